//! End to end in a real terminal: the greenroom binary in tmux at 160x48 on a small generated
//! catalog: `/` filters to a name, Enter opens it, `?` shows help, `q` quits with exit code 0 and
//! the terminal back on the normal screen. Skipped (with the reason printed) without tmux.

mod support;

use std::path::Path;
use std::process::Command;
use support::tmux::{self, greenroom_then_exit_code, Tmux};

fn write_catalog(dir: &Path) {
    for i in 0..120 {
        let name = format!("svc-{i:03}");
        let sub = dir.join(&name);
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(
            sub.join("catalog-info.yaml"),
            format!(
                "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: group:team-{}\n",
                i % 4
            ),
        )
        .unwrap();
    }
    let mut groups = String::new();
    for t in 0..4 {
        groups.push_str(&format!(
            "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-{t}\nspec:\n  type: team\n  children: []\n"
        ));
    }
    groups.push_str(
        "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: checkout-ledger\n  description: Double-entry ledger for checkout\nspec:\n  type: service\n  lifecycle: production\n  owner: group:team-1\n  dependsOn: [component:svc-007]\n",
    );
    std::fs::write(dir.join("catalog-info.yaml"), groups).unwrap();
}

#[test]
fn filter_open_help_and_quit_in_tmux() {
    let Some(work) = tmux::work_folder() else {
        return;
    };
    let catalog = work.path().join("catalog");
    write_catalog(&catalog);
    let cache = work.path().join("cache");
    // The command's exit code is printed after it, on the normal screen.
    let command = greenroom_then_exit_code(
        None,
        "",
        &cache,
        &format!("--catalog '{}'", catalog.display()),
    );
    let tmux = Tmux::start("e2e", 160, 48, &command);

    // Each wait names everything expected on that screen: a capture can catch a frame half drawn.
    tmux.wait_for("the catalog", |s| {
        s.contains("125 entities")
            && s.contains("svc-000")
            && s.contains("1 Catalog")
            && s.contains("8 Problems")
    });

    tmux.keys(&["/"]);
    tmux.type_text("checkout-ledg");
    tmux.wait_for("the filtered list", |s| {
        s.contains("/checkout-ledg") && s.contains("1 match") && !s.contains("svc-000")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        "the entity page with its description and its dependsOn relation",
        |s| {
            s.contains("component:default/checkout-ledger")
                && s.contains("Double-entry ledger for checkout")
                && s.contains("dependsOn (1)")
                && s.contains("component:default/svc-007")
        },
    );

    tmux.keys(&["?"]);
    tmux.wait_for("help listing the entity page's bindings", |s| {
        s.contains("Help: Entity page")
            && s.contains("app.quit")
            && s.contains("entity.open")
            && s.contains("rebind in config.toml")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("help to close", |s| !s.contains("Help: Entity page"));

    let screen = tmux.quit();
    assert!(
        !screen.contains("1 Catalog"),
        "the TUI is gone from the normal screen:\n{screen}"
    );
    assert_eq!(
        tmux.display("#{alternate_on}"),
        "0",
        "left the alternate screen"
    );
}

/// The terminal comes back however greenroom ends: `q`, a panic (debug builds:
/// `GREENROOM_TEST_PANIC` makes a key panic), SIGTERM, SIGHUP, SIGINT; and across Ctrl-z / `fg`.
/// After each, in an interactive bash: the alternate screen is off, the cursor shows, the tty is
/// back in canonical mode with echo (greenroom exits itself, so bash restores nothing), and the
/// prompt runs a command.
#[test]
fn the_terminal_comes_back_after_quit_panic_signals_and_ctrl_z() {
    let Some(work) = tmux::work_folder() else {
        return;
    };
    let catalog = work.path().join("catalog");
    write_catalog(&catalog);
    let pidfile = work.path().join("pid");
    let binary = env!("CARGO_BIN_EXE_greenroom");
    let tmux = Tmux::start(
        "restore",
        160,
        48,
        "env PS1='gr$ ' bash --norc --noprofile -i",
    );
    tmux.wait_for("the shell prompt", |s| s.contains("gr$"));
    let launch = |extra_env: &str| {
        let _ = std::fs::remove_file(&pidfile);
        tmux.type_text(&format!(
            "clear; sh -c 'echo $$ > {pid}; exec env {extra_env} GREENROOM_CACHE_DIR={cache} GREENROOM_CONFIG=/dev/null {binary} --catalog {catalog}'; echo \"EXIT=$?\"",
            pid = pidfile.display(),
            cache = work.path().join("cache").display(),
            catalog = catalog.display(),
        ));
        tmux.keys(&["Enter"]);
        tmux.wait_for("the catalog", |s| {
            s.contains("125 entities") && s.contains("svc-000") && s.contains("8 Problems")
        });
        assert_eq!(
            tmux.display("#{alternate_on}"),
            "1",
            "the TUI is on the alternate screen"
        );
        assert_eq!(
            tmux.display("#{mouse_any_flag}"),
            "1",
            "the TUI has the mouse"
        );
        std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .to_string()
    };
    // `exit` is the line the shell prints with the exit code: `EXIT=<code>`, or after `fg`,
    // `FGEXIT=<code>` (a stopped job lets the rest of its command line run at once).
    let check_restored = |how: &str, exit: &str| {
        let prefix = &exit[..exit.find('=').unwrap() + 1];
        let screen = tmux.wait_for(&format!("the exit code after {how}"), |s| {
            s.lines().any(|l| l.starts_with(prefix)) && s.trim_end().ends_with("gr$")
        });
        assert!(screen.contains(exit), "{how}:\n{screen}");
        assert!(
            !screen.contains("1 Catalog"),
            "{how}: the TUI is gone:\n{screen}"
        );
        assert_eq!(tmux.display("#{alternate_on}"), "0", "{how}: normal screen");
        assert_eq!(tmux.display("#{cursor_flag}"), "1", "{how}: cursor shown");
        assert_eq!(
            tmux.display(
                "#{mouse_standard_flag}#{mouse_button_flag}#{mouse_any_flag}#{mouse_sgr_flag}"
            ),
            "0000",
            "{how}: the mouse given back"
        );
        tmux.type_text("case \"$(stty -a)\" in *-icanon*|*-echo\\ *) echo TTY-RAW;; *) echo TTY-COOKED-$((40+2));; esac");
        tmux.keys(&["Enter"]);
        let screen = tmux.wait_for(&format!("the prompt to answer after {how}"), |s| {
            s.contains("TTY-COOKED-42") || s.contains("TTY-RAW\n")
        });
        assert!(
            screen.contains("TTY-COOKED-42"),
            "{how}: tty left raw:\n{screen}"
        );
        screen
    };
    let kill = |signal: &str, pid: &str| {
        let status = Command::new("kill").args([signal, pid]).status().unwrap();
        assert!(status.success());
    };

    launch("");
    tmux.keys(&["q"]);
    check_restored("q", "EXIT=0");

    if cfg!(debug_assertions) {
        // Without a backtrace, whatever the caller's shell sets: a long one pushes the report
        // off the screen this test reads.
        launch("RUST_BACKTRACE=0 GREENROOM_TEST_PANIC=1");
        tmux.keys(&["j"]);
        let screen = check_restored("a panic", "EXIT=101");
        assert!(
            screen.contains("GREENROOM_TEST_PANIC is set"),
            "the panic report is printed on the normal screen:\n{screen}"
        );
        // A panic on another thread (the loader, a provider) ends greenroom the same way, rather
        // than leaving it drawing on a terminal given back.
        launch("RUST_BACKTRACE=0 GREENROOM_TEST_PANIC=thread");
        tmux.keys(&["j"]);
        check_restored("a panic on another thread", "EXIT=101");
    } else {
        println!("panic case skipped: release builds have no test panic");
    }

    for (signal, code) in [("-TERM", "143"), ("-HUP", "129"), ("-INT", "130")] {
        let pid = launch("");
        kill(signal, &pid);
        check_restored(&format!("SIG{}", &signal[1..]), &format!("EXIT={code}"));
    }

    // Ctrl-z: the shell gets the terminal back with the job stopped; fg brings the TUI back.
    launch("");
    tmux.keys(&["C-z"]);
    tmux.wait_for("the job to stop", |s| {
        s.contains("Stopped") && s.trim_end().ends_with("gr$")
    });
    assert_eq!(
        tmux.display("#{alternate_on}"),
        "0",
        "suspended: normal screen"
    );
    assert_eq!(
        tmux.display("#{mouse_any_flag}"),
        "0",
        "suspended: the mouse given back"
    );
    tmux.type_text("fg; echo \"FGEXIT=$?\"");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the TUI after fg", |s| {
        s.contains("125 entities") && s.contains("svc-000")
    });
    assert_eq!(
        tmux.display("#{alternate_on}"),
        "1",
        "resumed on the alternate screen"
    );
    assert_eq!(
        tmux.display("#{mouse_any_flag}"),
        "1",
        "resumed with the mouse"
    );
    tmux.keys(&["j"]);
    tmux.keys(&["q"]);
    check_restored("Ctrl-z, fg and q", "FGEXIT=0");
}

/// A template filled in a real terminal: the demo's Provision PostgreSQL form typed into, a page
/// refused while a field is bad, the review, a dry run listing the rendered dispatch, back out.
#[test]
fn a_template_form_filled_and_dry_run_in_tmux() {
    let Some(work) = tmux::work_folder() else {
        return;
    };
    let command =
        greenroom_then_exit_code(Some(work.path()), "", &work.path().join("cache"), "--demo");
    let tmux = Tmux::start("template", 120, 40, &command);
    tmux.wait_for("the demo catalog", |s| {
        s.contains("DEMO") && s.contains("6 Templates")
    });
    tmux.keys(&["6"]);
    tmux.wait_for("the templates", |s| {
        s.contains("Templates (2)") && s.contains("Provision PostgreSQL")
    });
    tmux.keys(&["j", "Enter"]);
    tmux.wait_for("the form", |s| {
        s.contains("page 1 of 1: Database Configuration") && s.contains("[ Review › ]")
    });
    tmux.keys(&["Enter"]);
    tmux.type_text("Orders");
    tmux.wait_for("the error under the name, as typed", |s| {
        s.contains("Orders▏") && s.contains("✗ must match pattern")
    });
    tmux.keys(&["C-n"]); // typing: moves on, the page stays
    tmux.keys(&["C-n"]);
    tmux.wait_for("the page refused", |s| {
        s.contains("3 fields to fix before going on")
    });
    tmux.keys(&["Enter", "C-u"]);
    tmux.type_text("orders");
    tmux.keys(&["Tab", "Space", "j", "Space", "C-n"]);
    tmux.wait_for("the review", |s| {
        s.contains("· review") && s.contains("orders") && s.contains("dev") && s.contains("small")
    });
    tmux.keys(&["d"]);
    tmux.wait_for("the dry run with the rendered dispatch", |s| {
        s.contains("Dry run: nothing was written")
            && s.contains("github:actions:dispatch")
            && s.contains("\"db_name\":\"orders\"")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the review again", |s| {
        s.contains("· review") && !s.contains("Dry run:")
    });
    // One Escape at a time: two at once read as Alt-Escape.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the form's page again, values kept", |s| {
        s.contains("page 1 of 1") && s.contains("‹ small ›")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the list again", |s| s.contains("Templates (2)"));
    tmux.quit();
    assert_eq!(
        std::fs::read_dir(work.path()).unwrap().count(),
        1,
        "a dry run writes nothing (only the cache folder is there)"
    );
}

/// The demo's CI/CD pane through the demo API, as a user drives it: the runs of a service, a
/// failed run's jobs and log tail, a rerun after the question, and a team's services.
#[test]
fn demo_ci_runs_jobs_log_and_rerun_in_tmux() {
    let Some(work) = tmux::work_folder() else {
        return;
    };
    let command =
        greenroom_then_exit_code(Some(work.path()), "", &work.path().join("cache"), "--demo");
    let tmux = Tmux::start("cicd", 150, 45, &command);
    tmux.wait_for("the demo catalog", |s| {
        s.contains("DEMO") && s.contains("Catalog: all entities (66)")
    });
    tmux.keys(&["/"]);
    tmux.wait_for("the filter prompt", |s| s.contains("/▏"));
    tmux.type_text("^payment-service");
    tmux.wait_for("the filtered list", |s| s.contains("1 match"));
    tmux.keys(&["Tab", "3"]);
    tmux.wait_for("the runs", |s| {
        s.contains("Repository: myorg/payment-service") && s.contains("Bump stripe-java to 24.1")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("the run's jobs and the failed job's log", |s| {
        s.contains("✗ test  failure") && s.contains("Log of test")
    });
    tmux.keys(&["G"]);
    tmux.wait_for("the end of the log", |s| {
        s.contains("##[error]Process completed with exit code 1.")
    });
    tmux.keys(&["r"]);
    tmux.wait_for("the question", |s| {
        s.contains("Rerun the failed jobs of CI #") && s.contains("y yes")
    });
    tmux.keys(&["y"]);
    tmux.wait_for("the rerun reported", |s| {
        s.contains("GitHub is rerunning the failed jobs of CI #")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the runs again", |s| s.contains("Success: "));
    tmux.keys(&[":"]);
    tmux.type_text("groups");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the groups", |s| s.contains("Catalog: groups"));
    tmux.keys(&["/"]);
    tmux.wait_for("the filter prompt", |s| s.contains("/▏"));
    tmux.type_text("^storefront-team");
    tmux.wait_for("the team in the list", |s| s.contains("1 match"));
    tmux.keys(&["Tab", "3"]);
    let screen = tmux.wait_for("the team view", |s| {
        s.contains("Team: group:default/storefront-team")
            && s.contains("Checkout: new address form")
    });
    let first_row = screen
        .lines()
        .position(|l| l.contains("SERVICE"))
        .map(|i| screen.lines().nth(i + 1).unwrap_or(""))
        .unwrap_or("");
    assert!(
        first_row.contains("storefront-web") && first_row.contains("failure"),
        "{screen}"
    );
    tmux.quit();
}

/// `e` hands the terminal to `$EDITOR` at the file and line, takes it back, and shows the edit:
/// the editor here is a script named `nvim` (so it gets `+LINE FILE`) that records its arguments
/// and rewrites the line it was sent to.
#[test]
fn e_opens_the_editor_at_the_problem_line_and_the_edit_shows_on_return_in_tmux() {
    let Some(work) = tmux::work_folder() else {
        return;
    };
    let catalog = work.path().join("catalog");
    std::fs::create_dir_all(&catalog).unwrap();
    let file = catalog.join("catalog-info.yaml");
    std::fs::write(
        &file,
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: checkout-ledger\n  description: Double-entry ledger for checkout\nspec:\n  type: service\n  lifecycle: production\n  owner: group:payments\n  dependsOn: [component:svc-missing]\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: payments\nspec:\n  type: team\n  children: []\n",
    )
    .unwrap();
    let bin = work.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let args = work.path().join("editor-args");
    let editor = bin.join("nvim");
    std::fs::write(
        &editor,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nline=${{1#+}}\nsed -i \"${{line}}{{/dependsOn/s/.*/  dependsOn: []/}}\" \"$2\"\n",
            args.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let command = greenroom_then_exit_code(
        Some(&catalog),
        &format!("VISUAL= EDITOR='{}'", editor.display()),
        &work.path().join("cache"),
        "--catalog catalog-info.yaml",
    );
    let tmux = Tmux::start("edit", 160, 48, &command);
    tmux.wait_for("the catalog", |s| {
        s.contains("2 entities") && s.contains("1 problem (0 errors, 1 warning)")
    });
    tmux.keys(&["8"]);
    tmux.wait_for("the problem", |s| {
        s.contains("catalog-info.yaml:10") && s.contains("svc-missing")
    });
    tmux.keys(&["e"]);
    tmux.wait_for("the problem gone after the edit", |s| {
        !s.contains("svc-missing") && !s.contains("1 problem") && s.contains("2 entities")
    });
    let recorded = std::fs::read_to_string(&args).unwrap();
    assert_eq!(recorded.trim(), "+10 catalog-info.yaml", "{recorded}");
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("  dependsOn: []\n"));
    // From the entity page: the entity's own file and line.
    tmux.keys(&["1", "Enter", "e"]);
    tmux.wait_for("the editor called a second time", |_| {
        std::fs::read_to_string(&args).unwrap().lines().count() == 2
    });
    let second = std::fs::read_to_string(&args).unwrap();
    let second = second.lines().nth(1).unwrap();
    assert!(
        second.starts_with('+') && second.ends_with(" catalog-info.yaml"),
        "{second}"
    );
    tmux.wait_for("the page again", |s| {
        s.contains("Component component:checkout-ledger")
    });
    tmux.quit();
}

/// Saved elsewhere (an editor beside greenroom), seen here: an edit, a new file, a safe write
/// (a temporary file renamed over the original) and a deletion each show without a key.
#[test]
fn saves_in_watched_files_show_without_a_key_in_tmux() {
    let Some(work) = tmux::work_folder() else {
        return;
    };
    let catalog = work.path().join("catalog");
    std::fs::create_dir_all(&catalog).unwrap();
    let component = |name: &str, description: &str| {
        format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  description: {description}\nspec:\n  type: service\n  lifecycle: production\n  owner: group:payments\n")
    };
    let group = "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: payments\nspec:\n  type: team\n  children: []\n";
    let file = catalog.join("catalog-info.yaml");
    std::fs::write(&file, component("ledger", "First words") + group).unwrap();
    let command = greenroom_then_exit_code(
        None,
        "",
        &work.path().join("cache"),
        &format!("--catalog '{}'", catalog.display()),
    );
    let tmux = Tmux::start("watch", 160, 48, &command);
    tmux.wait_for("the catalog", |s| {
        s.contains("2 entities") && s.contains("ledger ")
    });

    std::fs::write(&file, component("ledger-two", "Second words") + group).unwrap();
    tmux.wait_for("the edit", |s| {
        s.contains("ledger-two") && s.contains("2 entities")
    });

    let other = catalog.join("svc/catalog-info.yaml");
    std::fs::create_dir_all(other.parent().unwrap()).unwrap();
    std::fs::write(&other, component("refunds", "New")).unwrap();
    tmux.wait_for("the new file's entity", |s| {
        s.contains("3 entities") && s.contains("refunds")
    });

    let temp = catalog.join(".catalog-info.yaml.tmp");
    std::fs::write(&temp, component("ledger-three", "Third words") + group).unwrap();
    std::fs::rename(&temp, &file).unwrap();
    tmux.wait_for("the safe write", |s| {
        s.contains("ledger-three") && !s.contains("ledger-two")
    });

    std::fs::remove_file(&other).unwrap();
    tmux.wait_for("the deletion", |s| {
        s.contains("2 entities") && !s.contains("refunds")
    });
    tmux.quit();
}

/// `--no-mouse` and `[ui] mouse = false` leave the mouse to the terminal: while the TUI runs no
/// mouse mode is on (so a click selects text as it always does), where by default the TUI has
/// it (checked in `the_terminal_comes_back_after_quit_panic_signals_and_ctrl_z`).
#[test]
fn without_the_mouse_the_terminal_keeps_it_in_tmux() {
    let Some(work) = tmux::work_folder() else {
        return;
    };
    let catalog = work.path().join("catalog");
    write_catalog(&catalog);
    let config = work.path().join("config.toml");
    std::fs::write(&config, "[ui]\nmouse = false\n").unwrap();
    let binary = env!("CARGO_BIN_EXE_greenroom");
    for (name, how, config, flag) in [
        (
            "no-mouse-flag",
            "--no-mouse",
            Path::new("/dev/null"),
            "--no-mouse",
        ),
        (
            "no-mouse-config",
            "[ui] mouse = false",
            config.as_path(),
            "",
        ),
    ] {
        let command = format!(
            "GREENROOM_CACHE_DIR='{}' GREENROOM_CONFIG='{}' '{binary}' --catalog '{}' {flag}; echo \"EXIT=$?\"; sleep 600",
            work.path().join("cache").display(),
            config.display(),
            catalog.display(),
        );
        let tmux = Tmux::start(name, 160, 48, &command);
        tmux.wait_for("the catalog", |s| {
            s.contains("125 entities") && s.contains("svc-000") && s.contains("8 Problems")
        });
        assert_eq!(tmux.display("#{alternate_on}"), "1", "{how}: the TUI runs");
        assert_eq!(
            tmux.display(
                "#{mouse_standard_flag}#{mouse_button_flag}#{mouse_any_flag}#{mouse_sgr_flag}"
            ),
            "0000",
            "{how}: the mouse left to the terminal"
        );
        tmux.quit();
    }
}
