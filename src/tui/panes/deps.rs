//! The dependencies pane: the tree of the selected entity (`catalog::graph`), or with `r` the
//! reverse tree (what breaks if it breaks). Every edge is a row with its relation and direction;
//! an entity met again is a `seen` leaf and an edge back up the path a `cycle` leaf, so nothing
//! is dropped. `t` shows one relation type at a time, `+`/`-` change the depth.

use crate::catalog::graph::{self, Direction, Mark};
use crate::catalog::{Catalog, EntityId, RelationType, Target};
use crate::tui::action::Action;
use crate::tui::theme::Theme;
use crate::tui::widgets::cursor::{visible_offset, ListCursor};
use crate::tui::widgets::panel::{bordered_with_keys, draw_block};
use crate::tui::widgets::tree::{fold_mark, guides};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// One node of the flattened tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub depth: usize,
    pub target: Target,
    pub via: Option<RelationType>,
    pub mark: Mark,
    /// Index just past this node's subtree.
    pub end: usize,
    /// Whether no later sibling follows (for the tree lines).
    pub last: bool,
    /// The parent node (the root is its own).
    pub parent: usize,
}

pub struct DepsPane {
    pub root: Option<EntityId>,
    pub direction: Direction,
    /// Only this relation type (None: all of the direction's).
    pub relation: Option<RelationType>,
    /// Levels to follow (None: all).
    pub depth: Option<usize>,
    pub nodes: Vec<Node>,
    pub collapsed: Vec<bool>,
    /// Indices of the nodes shown (collapsed subtrees left out).
    pub visible: Vec<usize>,
    pub list: ListCursor,
}

impl Default for DepsPane {
    fn default() -> Self {
        DepsPane {
            root: None,
            direction: Direction::Dependencies,
            relation: None,
            depth: None,
            nodes: Vec::new(),
            collapsed: Vec::new(),
            visible: Vec::new(),
            list: ListCursor::default(),
        }
    }
}

impl DepsPane {
    /// Shows the tree of `root` (rebuilt only when something changed).
    pub fn show(&mut self, catalog: &Catalog, root: EntityId) {
        if self.root != Some(root) {
            self.root = Some(root);
            self.rebuild(catalog);
        }
    }

    pub fn rebuild(&mut self, catalog: &Catalog) {
        let Some(root) = self.root else { return };
        let all = self.direction.relations();
        let only;
        let relations = match self.relation {
            Some(r) => {
                only = [r];
                &only[..]
            }
            None => all,
        };
        let tree = graph::tree(catalog, root, relations, self.depth);
        let flat = tree.flatten();
        let mut nodes: Vec<Node> = flat
            .iter()
            .map(|(depth, node)| Node {
                depth: *depth,
                target: node.target,
                via: node.via,
                mark: node.mark,
                end: 0,
                last: true,
                parent: 0,
            })
            .collect();
        // Parents, subtree ends and last-sibling flags, from the depths, in one pass.
        let n = nodes.len();
        let mut open: Vec<usize> = Vec::new();
        for i in 0..n {
            while let Some(&top) = open.last() {
                if nodes[top].depth < nodes[i].depth {
                    break;
                }
                nodes[top].end = i;
                nodes[top].last = nodes[i].depth < nodes[top].depth;
                open.pop();
            }
            nodes[i].parent = open.last().copied().unwrap_or(i);
            open.push(i);
        }
        for i in open {
            nodes[i].end = n;
            nodes[i].last = true;
        }
        self.collapsed = vec![false; n];
        self.nodes = nodes;
        self.list = ListCursor::default();
        self.recompute_visible();
    }

    fn recompute_visible(&mut self) {
        let selected = self.visible.get(self.list.cursor).copied();
        self.visible.clear();
        let mut i = 0;
        while i < self.nodes.len() {
            self.visible.push(i);
            i = if self.collapsed[i] {
                self.nodes[i].end
            } else {
                i + 1
            };
        }
        if let Some(selected) = selected {
            // Keep the selection, or its nearest shown ancestor.
            let at = self
                .visible
                .iter()
                .rposition(|&v| v <= selected)
                .unwrap_or(0);
            self.list.cursor = at;
        }
    }

    fn selected(&self) -> Option<usize> {
        self.visible.get(self.list.cursor).copied()
    }

    /// The entity of the node under the cursor.
    pub fn selected_entity(&self) -> Option<EntityId> {
        match self.nodes.get(self.selected()?)?.target {
            Target::Entity(id) => Some(id),
            _ => None,
        }
    }

    fn has_children(&self, i: usize) -> bool {
        self.nodes[i].end > i + 1
    }

    pub fn update(&mut self, action: &Action, catalog: &Catalog, page: usize) -> Option<Action> {
        if self.list.apply(action, self.visible.len(), page) {
            return None;
        }
        let selected = self.selected();
        match action {
            Action::Open => {
                if let Some(Target::Entity(id)) = selected.map(|i| self.nodes[i].target) {
                    return Some(Action::OpenEntity(id));
                }
            }
            Action::Expand => {
                if let Some(i) = selected {
                    if self.collapsed[i] {
                        self.collapsed[i] = false;
                        self.recompute_visible();
                    } else if self.has_children(i) {
                        self.list.cursor += 1;
                    }
                }
            }
            Action::Collapse => {
                if let Some(i) = selected {
                    if self.has_children(i) && !self.collapsed[i] {
                        self.collapsed[i] = true;
                        self.recompute_visible();
                    } else {
                        let parent = self.nodes[i].parent;
                        self.list.cursor =
                            self.visible.iter().position(|&v| v == parent).unwrap_or(0);
                    }
                }
            }
            Action::ToggleNode => {
                if let Some(i) = selected.filter(|&i| self.has_children(i)) {
                    self.collapsed[i] = !self.collapsed[i];
                    self.recompute_visible();
                }
            }
            Action::ReverseTree => {
                self.direction = match self.direction {
                    Direction::Dependencies => Direction::Dependents,
                    Direction::Dependents => Direction::Dependencies,
                };
                self.relation = None;
                self.rebuild(catalog);
            }
            Action::NextRelation => {
                let all = self.direction.relations();
                self.relation = match self.relation {
                    None => all.first().copied(),
                    Some(r) => all
                        .iter()
                        .position(|x| *x == r)
                        .and_then(|i| all.get(i + 1))
                        .copied(),
                };
                self.rebuild(catalog);
            }
            Action::DepthMore => {
                self.depth = match self.depth {
                    Some(d) if d >= 9 => None,
                    Some(d) => Some(d + 1),
                    None => None,
                };
                self.rebuild(catalog);
            }
            Action::DepthLess => {
                let deepest = self.nodes.iter().map(|n| n.depth).max().unwrap_or(1);
                self.depth = Some(match self.depth {
                    Some(d) => d.saturating_sub(1).max(1),
                    None => deepest.saturating_sub(1).clamp(1, 9),
                });
                self.rebuild(catalog);
            }
            _ => {}
        }
        self.list.clamp(self.visible.len(), page);
        None
    }

    fn title(&self) -> String {
        let what = match self.direction {
            Direction::Dependencies => "dependencies (what it needs)",
            Direction::Dependents => "dependents (blast radius: what breaks if it breaks)",
        };
        let relation = self
            .relation
            .map_or("all relations".to_string(), |r| r.name().to_string());
        let depth = self
            .depth
            .map_or("all levels".to_string(), |d| format!("depth {d}"));
        format!(" Dependencies: {what} · {relation} · {depth} ")
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, catalog: &Catalog, theme: &Theme) {
        let inner = draw_block(
            frame,
            area,
            bordered_with_keys(
                self.title(),
                " l/h: expand/collapse · enter: open · r: reverse · t: relation · +/-: depth ",
                theme,
            ),
        );
        if self.root.is_none() {
            let text = "no entity selected: pick one in the Catalog (1) and come back with 2";
            frame.render_widget(Paragraph::new(Span::styled(text, theme.muted)), inner);
            return;
        }
        let page = inner.height as usize;
        let offset = visible_offset(self.list.cursor, self.list.offset, page);
        let arrow = match self.direction {
            Direction::Dependencies => "→",
            Direction::Dependents => "←",
        };
        let lines: Vec<Line> = self
            .visible
            .iter()
            .enumerate()
            .skip(offset)
            .take(page)
            .map(|(row, &i)| {
                let node = &self.nodes[i];
                let selected = row == self.list.cursor;
                let style = |s| if selected { theme.selected } else { s };
                // Tree lines: for each ancestor level, whether that ancestor was a last child.
                let mut ancestors_last = Vec::new();
                let mut j = node.parent;
                while self.nodes[j].depth >= 1 {
                    ancestors_last.push(self.nodes[j].last);
                    j = self.nodes[j].parent;
                }
                ancestors_last.reverse();
                let prefix = guides(&ancestors_last, (node.depth > 0).then_some(node.last));
                let fold = fold_mark(self.has_children(i), self.collapsed[i]);
                let mut spans = vec![
                    Span::styled(prefix, style(theme.muted)),
                    Span::styled(fold, style(theme.muted)),
                ];
                if let Some(via) = node.via {
                    spans.push(Span::styled(
                        format!("{} {arrow} ", via.name()),
                        style(theme.key),
                    ));
                }
                let reference = catalog.target_ref(node.target);
                match node.target {
                    Target::Entity(id) => {
                        spans.push(Span::styled(reference.key(), style(theme.link)));
                        spans.push(Span::styled(
                            format!("  {}", catalog.entity(id).kind),
                            style(theme.muted),
                        ));
                    }
                    Target::Missing(_) => {
                        spans.push(Span::styled(reference.key(), style(theme.warning)));
                        spans.push(Span::styled(
                            "  (missing from the catalog)",
                            style(theme.warning),
                        ));
                    }
                }
                let mark = match node.mark {
                    Mark::None => None,
                    Mark::Cycle => Some(("  (cycle)", theme.error)),
                    Mark::Seen => Some(("  (seen: expanded above)", theme.muted)),
                    Mark::DepthLimit => Some(("  (depth limit: + goes deeper)", theme.muted)),
                };
                if let Some((text, s)) = mark {
                    spans.push(Span::styled(text, style(s)));
                }
                if self.collapsed[i] {
                    let hidden = node.end - i - 1;
                    spans.push(Span::styled(format!("  (+{hidden})"), style(theme.muted)));
                }
                Line::from(spans).style(theme.row_style(selected, Style::default()))
            })
            .collect();
        let empty = self.nodes.len() <= 1;
        let mut paragraph_lines = lines;
        if empty && offset == 0 {
            let what = match self.direction {
                Direction::Dependencies => "depends on nothing (dependsOn, consumesApi, hasPart)",
                Direction::Dependents => {
                    "nothing depends on it (dependencyOf, apiConsumedBy, partOf)"
                }
            };
            paragraph_lines.push(Line::from(Span::styled(format!("   {what}"), theme.muted)));
        }
        frame.render_widget(Paragraph::new(paragraph_lines), inner);
    }
}
