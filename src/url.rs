//! URLs: the one reader of a URL's host, shared by the effects model and the controls.

/// The host of a URL (`scheme://[user[:pass]@]host[:port]/…`), lower-cased.
pub fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// [`host`] of a text that is a URL with a scheme; `None` for any other text (a path, a bare
/// name, `user@host:path`), which the caller reads in its own way. Lower-cased like [`host`]:
/// host names are case-insensitive (RFC 3986 §3.2.2, RFC 4343).
pub fn scheme_host(text: &str) -> Option<String> {
    if text.contains("://") {
        host(text)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            host("https://u:p@Api.Prod.x:8443/a?b").as_deref(),
            Some("api.prod.x")
        );
        assert_eq!(host("postgres://db.live/app").as_deref(), Some("db.live"));
        assert_eq!(host("http://[::1]:80/").as_deref(), Some("::1"));
        assert_eq!(host("db.prod:5432/app").as_deref(), Some("db.prod"));
        assert_eq!(host("https:///path"), None);
    }

    /// Hosts are case-insensitive: both readers give the lower-case host, so a policy or a
    /// table of official hosts written in lower case matches a host written in any case.
    #[test]
    fn hosts_are_lower_cased_by_both_readers() {
        for url in ["HTTPS://Registry.NPMJS.org/", "https://registry.npmjs.org/"] {
            assert_eq!(host(url).as_deref(), Some("registry.npmjs.org"));
            assert_eq!(scheme_host(url).as_deref(), Some("registry.npmjs.org"));
        }
        assert_eq!(scheme_host("ssh://Git@[::1]:22").as_deref(), Some("::1"));
    }

    #[test]
    fn scheme_host_needs_a_scheme() {
        assert_eq!(scheme_host("user@db.prod:/srv"), None);
        assert_eq!(scheme_host("db.prod"), None);
        assert_eq!(scheme_host("https://"), None);
    }
}
