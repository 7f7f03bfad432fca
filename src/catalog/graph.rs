//! Dependency trees, both ways. Every edge is kept, each with its relation: an entity already
//! expanded elsewhere in the tree is shown again as a leaf marked `seen`, and an edge back to an
//! entity on the current path is a leaf marked `cycle`, so the tree is finite and drops nothing.

use super::{Catalog, EntityId, RelationType, Target};

/// Which way a tree goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// What an entity needs: dependsOn, consumesApi (then the API's provider), hasPart.
    Dependencies,
    /// What needs it, the blast radius: dependencyOf, apiConsumedBy (through the APIs it
    /// provides), partOf.
    Dependents,
}

impl Direction {
    pub fn relations(self) -> &'static [RelationType] {
        match self {
            Direction::Dependencies => &[
                RelationType::DependsOn,
                RelationType::ConsumesApi,
                RelationType::ApiProvidedBy,
                RelationType::HasPart,
            ],
            Direction::Dependents => &[
                RelationType::DependencyOf,
                RelationType::ProvidesApi,
                RelationType::ApiConsumedBy,
                RelationType::PartOf,
            ],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Expanded here (or a leaf).
    None,
    /// Points back to an entity on the path from the root: a cycle.
    Cycle,
    /// Already expanded elsewhere in this tree.
    Seen,
    /// The depth limit stopped the expansion.
    DepthLimit,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TreeNode {
    pub target: Target,
    /// The relation from the parent to this node (None for the root).
    pub via: Option<RelationType>,
    pub mark: Mark,
    pub children: Vec<TreeNode>,
}

impl TreeNode {
    /// The nodes in display order with their depth.
    pub fn flatten(&self) -> Vec<(usize, &TreeNode)> {
        let mut out = Vec::new();
        let mut stack = vec![(0usize, self)];
        while let Some((depth, node)) = stack.pop() {
            out.push((depth, node));
            stack.extend(node.children.iter().rev().map(|c| (depth + 1, c)));
        }
        out
    }
}

/// Builds the tree from `root` following `relations` (usually `direction.relations()`), down to
/// `max_depth` levels when given.
pub fn tree(
    catalog: &Catalog,
    root: EntityId,
    relations: &[RelationType],
    max_depth: Option<usize>,
) -> TreeNode {
    let mut expanded = vec![false; catalog.len()];
    let mut on_path = vec![false; catalog.len()];
    build(
        catalog,
        Target::Entity(root),
        None,
        relations,
        max_depth,
        0,
        &mut expanded,
        &mut on_path,
    )
}

#[allow(clippy::too_many_arguments)]
fn build(
    catalog: &Catalog,
    target: Target,
    via: Option<RelationType>,
    relations: &[RelationType],
    max_depth: Option<usize>,
    depth: usize,
    expanded: &mut [bool],
    on_path: &mut [bool],
) -> TreeNode {
    let leaf = |mark| TreeNode {
        target,
        via,
        mark,
        children: Vec::new(),
    };
    let Target::Entity(id) = target else {
        return leaf(Mark::None);
    };
    let i = id as usize;
    if on_path[i] {
        return leaf(Mark::Cycle);
    }
    let mut edges: Vec<(RelationType, Target)> = catalog
        .relations(id)
        .iter()
        .filter(|r| relations.contains(&r.kind))
        .map(|r| (r.kind, r.target))
        .collect();
    if edges.is_empty() {
        return leaf(Mark::None);
    }
    if expanded[i] {
        return leaf(Mark::Seen);
    }
    if max_depth.is_some_and(|max| depth >= max) {
        return leaf(Mark::DepthLimit);
    }
    expanded[i] = true;
    on_path[i] = true;
    edges.sort_by_key(|(kind, t)| {
        (
            relations.iter().position(|r| r == kind),
            catalog.target_ref(*t).key(),
        )
    });
    let children = edges
        .into_iter()
        .map(|(kind, t)| {
            build(
                catalog,
                t,
                Some(kind),
                relations,
                max_depth,
                depth + 1,
                expanded,
                on_path,
            )
        })
        .collect();
    on_path[i] = false;
    TreeNode {
        target,
        via,
        mark: Mark::None,
        children,
    }
}
