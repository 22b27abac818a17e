//! Network graph of a network meta-analysis (as R netmeta's `netgraph`): treatments on a circle,
//! an edge for every pair compared directly, its width proportional to the number of studies (or
//! to any weight the caller gives), the number of studies written on the edge, and — optionally —
//! each treatment's P-score under its name. Multi-arm studies can be outlined as shaded polygons.
//! Pure function of its inputs: returns an SVG string (shared helpers from [`crate::svg`]).

use crate::svg::{Doc, GRID, INK, PALETTE, c};
use std::fmt::Write;

/// A node (treatment).
#[derive(Debug, Clone)]
pub struct Node {
    /// Identifier used by the edges.
    pub id: String,
    /// Displayed name.
    pub label: String,
    /// A second line under the name (e.g. "P-score 0.83").
    pub detail: String,
}

/// A direct comparison.
#[derive(Debug, Clone)]
pub struct Link {
    pub from: String,
    pub to: String,
    /// Number of studies comparing them (written on the edge).
    pub studies: usize,
    /// Width weight (e.g. studies, or total precision); normalised over all edges.
    pub weight: f64,
    /// Drawn dashed (e.g. evidence of a different kind).
    pub dashed: bool,
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct Network {
    pub title: String,
    pub subtitle: String,
    pub nodes: Vec<Node>,
    pub links: Vec<Link>,
    /// Multi-arm studies: the node ids of each, shaded as a polygon.
    pub multi_arm: Vec<Vec<String>>,
    /// Lines under the chart (sources, model, caveats).
    pub footnotes: Vec<String>,
}

const W: f64 = 900.0;

/// Render the network graph.
pub fn render(net: &Network) -> String {
    let n = net.nodes.len().max(1);
    let radius = 250.0_f64.min(80.0 + 30.0 * n as f64);
    let top = 90.0;
    let cx = W / 2.0;
    let cy = top + radius + 40.0;
    let foot_h = 18.0 * net.footnotes.len() as f64;
    let height = cy + radius + 80.0 + foot_h;
    let mut doc = Doc::new(W, height);
    doc.text((30.0, 34.0), "start", 20.0, INK, &net.title, r#"font-weight="bold""#);
    if !net.subtitle.is_empty() {
        doc.text((30.0, 58.0), "start", 13.0, "#555555", &net.subtitle, "");
    }
    // Positions: clockwise from the top.
    let pos: Vec<(f64, f64)> = (0..net.nodes.len())
        .map(|i| {
            let a = -std::f64::consts::FRAC_PI_2 + 2.0 * std::f64::consts::PI * i as f64 / n as f64;
            (cx + radius * a.cos(), cy + radius * a.sin())
        })
        .collect();
    let at = |id: &str| net.nodes.iter().position(|x| x.id == id).map(|i| pos[i]);
    // Multi-arm studies.
    for (k, arms) in net.multi_arm.iter().enumerate() {
        let pts: Vec<(f64, f64)> = arms.iter().filter_map(|a| at(a)).collect();
        if pts.len() < 3 {
            continue;
        }
        let mut p = String::new();
        for (x, y) in &pts {
            let _ = write!(p, "{},{} ", c(*x), c(*y));
        }
        doc.raw(&format!(
            r#"<polygon points="{}" fill="{}" fill-opacity="0.12" stroke="none"/>"#,
            p.trim_end(),
            PALETTE[(k + 3) % PALETTE.len()]
        ));
    }
    // Edges.
    let wmax = net.links.iter().map(|l| l.weight).fold(0.0_f64, f64::max);
    for l in &net.links {
        let (Some(a), Some(b)) = (at(&l.from), at(&l.to)) else {
            continue;
        };
        let w = if wmax > 0.0 { 2.0 + 10.0 * l.weight / wmax } else { 2.0 };
        let dash = if l.dashed { r#"stroke-dasharray="8 5""# } else { "" };
        doc.line(
            a,
            b,
            PALETTE[0],
            w,
            &format!(r#"stroke-linecap="round" stroke-opacity="0.85" {dash}"#),
        );
        let mid = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        doc.raw(&format!(
            r##"<circle cx="{}" cy="{}" r="11" fill="#FFFFFF" stroke="{GRID}"/>"##,
            c(mid.0),
            c(mid.1)
        ));
        doc.text((mid.0, mid.1 + 4.0), "middle", 11.0, INK, &l.studies.to_string(), "");
    }
    // Nodes.
    for (i, node) in net.nodes.iter().enumerate() {
        let (x, y) = pos[i];
        doc.raw(&format!(r#"<circle cx="{}" cy="{}" r="7" fill="{INK}"/>"#, c(x), c(y)));
        // Label outside the circle.
        let dx = x - cx;
        let dy = y - cy;
        let d = (dx * dx + dy * dy).sqrt().max(1.0);
        let (lx, ly) = (x + dx / d * 18.0, y + dy / d * 18.0);
        let anchor = if dx.abs() < 1.0 {
            "middle"
        } else if dx > 0.0 {
            "start"
        } else {
            "end"
        };
        let ly = if dy < -1.0 { ly - 4.0 } else { ly + 10.0 };
        doc.text((lx, ly), anchor, 14.0, INK, &node.label, r#"font-weight="bold""#);
        if !node.detail.is_empty() {
            doc.text((lx, ly + 16.0), anchor, 12.0, "#555555", &node.detail, "");
        }
    }
    let mut y = cy + radius + 70.0;
    for f in &net.footnotes {
        doc.text((30.0, y), "start", 12.0, "#555555", f, "");
        y += 18.0;
    }
    doc.finish(&net.title)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str) -> Node {
        Node {
            id: id.into(),
            label: id.to_uppercase(),
            detail: format!("P-score {id}"),
        }
    }

    #[test]
    fn draws_every_node_edge_and_count() {
        let net = Network {
            title: "Network <PFS>".into(),
            subtitle: "3 studies".into(),
            nodes: vec![node("a"), node("b"), node("p")],
            links: vec![
                Link {
                    from: "a".into(),
                    to: "p".into(),
                    studies: 2,
                    weight: 2.0,
                    dashed: false,
                },
                Link {
                    from: "b".into(),
                    to: "p".into(),
                    studies: 1,
                    weight: 1.0,
                    dashed: true,
                },
            ],
            multi_arm: vec![vec!["a".into(), "b".into(), "p".into()]],
            footnotes: vec!["Source & note".into()],
        };
        let svg = render(&net);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<circle").count(), 3 + 2, "3 nodes + 2 edge badges");
        assert_eq!(svg.matches("<line").count(), 2);
        assert!(svg.contains("stroke-dasharray"));
        assert!(svg.contains("<polygon"));
        assert!(svg.contains("Network &lt;PFS&gt;") && svg.contains("Source &amp; note"));
        // Edge widths scale with weight: 2 + 10·w/wmax.
        assert!(svg.contains(r#"stroke-width="12""#) && svg.contains(r#"stroke-width="7""#));
        // Deterministic.
        assert_eq!(svg, render(&net));
    }
}
