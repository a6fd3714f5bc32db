//! Path globs of waivers (`path: certs/legacy/**`).

/// Shell-style glob on `/`-separated paths: `*` and `?` within a segment, `**` across segments.
///
/// Time is at most (glob segments × path segments) segment comparisons, whatever the glob: a
/// table of "the rest of the glob matches the rest of the path" is filled from the ends, one row
/// per glob segment, instead of trying every split of every `**` (which is exponential in the
/// number of `**`: `**/**/**/.../nomatch.pem`).
pub fn matches(glob: &str, path: &str) -> bool {
    matches_counting(glob, path, &mut 0)
}

/// [`matches`], adding the number of segment comparisons made to `comparisons` (for the test
/// that proves the bound without timing anything).
fn matches_counting(glob: &str, path: &str, comparisons: &mut usize) -> bool {
    fn segment(g: &[u8], p: &[u8]) -> bool {
        // Iterative wildcard matching with one backtrack point: at most len(g) × len(p) steps.
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
    let mut g: Vec<&str> = glob.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    // `**/**` is `**`.
    g.dedup_by(|a, b| *a == "**" && *b == "**");
    let p: Vec<&str> = path.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    // below[j]: glob[i+1..] matches path[j..]; row[j]: glob[i..] matches path[j..].
    let mut below = vec![false; p.len() + 1];
    below[p.len()] = true;
    let mut row = vec![false; p.len() + 1];
    for g_seg in g.iter().rev() {
        for j in (0..=p.len()).rev() {
            row[j] = if *g_seg == "**" {
                below[j] || (j < p.len() && row[j + 1])
            } else {
                j < p.len() && below[j + 1] && {
                    *comparisons += 1;
                    segment(g_seg.as_bytes(), p[j].as_bytes())
                }
            };
        }
        std::mem::swap(&mut below, &mut row);
    }
    below[0]
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
        assert!(matches("**", ""));
        assert!(matches("", ""));
        assert!(!matches("", "a"));
        assert!(matches("a/**/b/**/c", "a/b/c"));
        assert!(matches("a/**/b/**/c", "a/x/b/y/z/c"));
        assert!(!matches("a/**/b/**/c", "a/x/c/y/b"));
        assert!(matches("./certs//*.pem", "certs/a.pem"));
        assert!(matches("a?c", "abc") && !matches("a?c", "abbc"));
    }

    /// `**/**/.../nomatch.pem` took 51 s at 10 segments and never ended at 12 when every split of
    /// every `**` was tried. Now the work is at most glob segments × path segments comparisons,
    /// so doubling the input at most quadruples it (counted, not timed).
    #[test]
    fn many_double_stars_cost_at_most_segments_times_segments() {
        let mut previous = 0;
        for n in [10, 20, 40, 80] {
            let glob = format!("{}nomatch.pem", "**/a*/".repeat(n));
            let path = vec!["a"; 2 * n].join("/") + "/x.pem";
            let mut comparisons = 0;
            assert!(!matches_counting(&glob, &path, &mut comparisons));
            let bound = (2 * n + 1) * (2 * n + 2);
            assert!(comparisons <= bound, "{n}: {comparisons} comparisons > {bound}");
            if previous > 0 {
                assert!(comparisons <= previous * 4 + 16, "{n}: {comparisons} after {previous}");
            }
            previous = comparisons;
        }
    }
}
