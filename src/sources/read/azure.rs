//! Small readers for Azure JSON shared by the cluster and node collectors: case-insensitive
//! keys (the CLI writes `enableRbac`, ARM writes `enableRBAC`), resource ids, version strings.

use serde_json::Value;

/// Looks up `key` in an object, exactly first, then ignoring ASCII case; `null` counts as absent.
pub fn get<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    let map = obj.as_object()?;
    let value = map
        .get(key)
        .or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))?;
    (!value.is_null()).then_some(value)
}

/// Follows a path of keys with [`get`].
pub fn get_path<'a>(obj: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(obj, |v, k| get(v, k))
}

/// A string at a path.
pub fn string(obj: &Value, path: &[&str]) -> Option<String> {
    get_path(obj, path).and_then(Value::as_str).map(str::to_string)
}

/// A boolean at a path (also accepts the strings `true`/`false`).
pub fn boolean(obj: &Value, path: &[&str]) -> Option<bool> {
    match get_path(obj, path)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// An integer at a path.
pub fn integer(obj: &Value, path: &[&str]) -> Option<i64> {
    get_path(obj, path).and_then(Value::as_i64)
}

/// The parts of an ARM resource id.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ResourceId {
    /// Subscription id.
    pub subscription: Option<String>,
    /// Resource group.
    pub resource_group: Option<String>,
    /// `managedClusters/<name>`.
    pub cluster: Option<String>,
    /// `agentPools/<name>`.
    pub agent_pool: Option<String>,
}

/// Parses `/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.ContainerService/managedClusters/<n>[/agentPools/<p>]`.
pub fn parse_resource_id(id: &str) -> ResourceId {
    let parts: Vec<&str> = id.split('/').filter(|p| !p.is_empty()).collect();
    let mut out = ResourceId::default();
    for pair in parts.windows(2) {
        let value = Some(pair[1].to_string());
        match pair[0].to_ascii_lowercase().as_str() {
            "subscriptions" => out.subscription = value,
            "resourcegroups" => out.resource_group = value,
            "managedclusters" => out.cluster = value,
            "agentpools" => out.agent_pool = value,
            _ => {}
        }
    }
    out
}

/// Minor version of `1.29.4` (29).
pub fn kubernetes_minor(version: &str) -> Option<u32> {
    let mut parts = version.trim_start_matches('v').split('.');
    let _major = parts.next()?;
    parts.next()?.parse().ok()
}

/// The build date inside an AKS node image version, as `YYYY-MM-DD`:
/// `AKSUbuntu-1804gen2-2021.06.12`, `AKSUbuntu:1604:2020.03.11`,
/// `AKSUbuntu-2204gen2containerd-202403.25.0`, `AzureLinux-V2gen2-202402.26.0`.
pub fn node_image_date(version: &str) -> Option<String> {
    let last = version.rsplit(['-', ':']).next()?;
    // Digits only: the slicing below is by byte, and a date has no other characters.
    if !last.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let parts: Vec<&str> = last.split('.').collect();
    let (y, m, d) = match parts.as_slice() {
        [y, m, d, ..] if y.len() == 4 && m.len() == 2 && d.len() == 2 => (*y, *m, *d),
        [ym, d, ..] if ym.len() == 6 && d.len() == 2 => (&ym[..4], &ym[4..], *d),
        _ => return None,
    };
    let (year, month, day): (u32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    ((2015..=2100).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day))
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_either_spelling() {
        let v: Value = serde_json::json!({"properties": {"enableRBAC": true}, "enableRbac": null});
        assert_eq!(boolean(&v, &["properties", "enableRbac"]), Some(true));
        assert_eq!(boolean(&v, &["enableRbac"]), None);
    }

    #[test]
    fn node_image_dates_never_slice_inside_a_character() {
        assert_eq!(
            node_image_date("AKSUbuntu-2204gen2containerd-202403.25.0").as_deref(),
            Some("2024-03-25")
        );
        // Found by fuzzing: a multi-byte character where the year ends.
        assert_eq!(node_image_date("AKSUbuntu-202\u{fffd}.25.0"), None);
        assert_eq!(node_image_date("x-20\u{e9}01.25.0"), None);
    }

    #[test]
    fn resource_ids_parse() {
        let id = parse_resource_id("/subscriptions/s1/resourcegroups/rg1/providers/Microsoft.ContainerService/managedClusters/c1/agentPools/p1");
        assert_eq!(id.resource_group.as_deref(), Some("rg1"));
        assert_eq!(id.cluster.as_deref(), Some("c1"));
        assert_eq!(id.agent_pool.as_deref(), Some("p1"));
    }

    #[test]
    fn node_image_dates_are_read() {
        assert_eq!(
            node_image_date("AKSUbuntu-1804gen2-2021.06.12").as_deref(),
            Some("2021-06-12")
        );
        assert_eq!(
            node_image_date("AKSUbuntu:1604:2020.03.11").as_deref(),
            Some("2020-03-11")
        );
        assert_eq!(
            node_image_date("AKSUbuntu-2204gen2containerd-202403.25.0").as_deref(),
            Some("2024-03-25")
        );
        assert_eq!(node_image_date("weird"), None);
    }

    #[test]
    fn minor_versions() {
        assert_eq!(kubernetes_minor("1.29.4"), Some(29));
        assert_eq!(kubernetes_minor("v1.9.6"), Some(9));
        assert_eq!(kubernetes_minor("x"), None);
    }
}
