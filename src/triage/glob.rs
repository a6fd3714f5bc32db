//! Path globs of waivers (`path: certs/legacy/**`).

/// Shell-style glob on `/`-separated paths: `*` and `?` within a segment, `**` across segments.
pub fn matches(glob: &str, path: &str) -> bool {
    fn segments(glob: &[&str], path: &[&str]) -> bool {
        match (glob.first(), path.first()) {
            (None, None) => true,
            (Some(&"**"), _) => segments(&glob[1..], path) || (!path.is_empty() && segments(glob, &path[1..])),
            (Some(g), Some(p)) => segment(g.as_bytes(), p.as_bytes()) && segments(&glob[1..], &path[1..]),
            _ => false,
        }
    }
    fn segment(g: &[u8], p: &[u8]) -> bool {
        // Iterative wildcard matching: linear in practice, no recursion on `*`.
        let (mut gi, mut pi) = (0, 0);
        let (mut star, mut mark) = (None, 0);
        while pi < p.len() {
            if gi < g.len() && (g[gi] == b'?' || g[gi] == p[pi]) {
                gi += 1;
                pi += 1;
            } else if gi < g.len() && g[gi] == b'*' {
                star = Some(gi);
                mark = pi;
                gi += 1;
            } else if let Some(s) = star {
                gi = s + 1;
                mark += 1;
                pi = mark;
            } else {
                return false;
            }
        }
        while gi < g.len() && g[gi] == b'*' {
            gi += 1;
        }
        gi == g.len()
    }
    let g: Vec<&str> = glob.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    let p: Vec<&str> = path.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    segments(&g, &p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_segments_and_double_stars() {
        assert!(matches("certs/*.pem", "certs/a.pem"));
        assert!(!matches("certs/*.pem", "certs/sub/a.pem"));
        assert!(matches("certs/**/*.pem", "certs/sub/deep/a.pem"));
        assert!(matches("certs/**", "certs/a.pem"));
        assert!(matches("**/kubeconfig", "testdata/scenarios/rotated/kubeconfig"));
        assert!(matches("a?c", "abc") && !matches("a?c", "abbc"));
    }
}
