//! What every request must show before it reaches a handler: the right `Host`, a same-origin
//! `Origin` when it has one, the login cookie (or the token, once, in the URL), and for an
//! action also a same-origin `Origin` and the CSRF token.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::server::Shared;

/// The header an action carries the CSRF token in.
pub(crate) const CSRF_HEADER: &str = "x-ao-csrf";

/// Equal, in a time that does not depend on where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn refuse(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{text}\n"),
    )
        .into_response()
}

/// The cookie's name: one per port, so dashboards of two `AO_HOME`s on one machine do not
/// overwrite each other's cookie (cookies ignore ports).
pub(crate) fn cookie_name(port: u16) -> String {
    format!("ao_dashboard_{port}")
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The `token` query parameter, when the URL has one.
fn token_param(query: &str) -> Option<&str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| v)
}

/// The guard every route sits behind.
pub(crate) async fn guard(
    State(shared): State<std::sync::Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response {
    let port = shared.port;
    let headers = req.headers();
    // DNS rebinding: a page of another site whose name resolves to 127.0.0.1 sends its own
    // name as Host.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let allowed = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    let Some(host) = host.filter(|h| allowed.iter().any(|a| a == h)) else {
        return refuse(
            StatusCode::FORBIDDEN,
            &format!("refused: the dashboard answers only to 127.0.0.1:{port} or localhost:{port}"),
        );
    };
    let origin = headers
        .get(header::ORIGIN)
        .map(|o| o.to_str().unwrap_or("?"));
    let own = format!("http://{host}");
    if let Some(origin) = origin
        && origin != own
    {
        return refuse(
            StatusCode::FORBIDDEN,
            "refused: the request comes from another site (Origin)",
        );
    }
    let name = cookie_name(port);
    if let Some(given) = req.uri().query().and_then(token_param) {
        if req.method() != Method::GET || !same_secret(given, &shared.token) {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "refused: that token is not this dashboard's; `ao dashboard` prints the address with the right one",
            );
        }
        // The token leaves the address bar (and history) at once; the cookie carries it.
        let cookie = format!("{name}={}; HttpOnly; SameSite=Strict; Path=/", shared.token);
        let mut resp = (StatusCode::SEE_OTHER, "").into_response();
        // Only a path of this server: `//host` would send the browser elsewhere.
        let path = req.uri().path();
        let path = if path.starts_with("//") { "/" } else { path };
        let location = HeaderValue::from_str(path).unwrap_or(HeaderValue::from_static("/"));
        resp.headers_mut().insert(header::LOCATION, location);
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
        return resp;
    }
    if !cookie(headers, &name).is_some_and(|c| same_secret(c, &shared.token)) {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "refused: not logged in; open the address `ao dashboard` prints",
        );
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        if origin.is_none() {
            return refuse(
                StatusCode::FORBIDDEN,
                "refused: an action must say where it comes from (Origin)",
            );
        }
        let csrf = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        if !csrf.is_some_and(|c| same_secret(c, &shared.csrf)) {
            return refuse(
                StatusCode::FORBIDDEN,
                "refused: an action needs the page's CSRF token; reload the page",
            );
        }
    }
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert!(!same_secret("", "a"));
    }

    #[test]
    fn the_cookie_and_token_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; ao_dashboard_3000=tok; b=2"),
        );
        assert_eq!(cookie(&h, "ao_dashboard_3000"), Some("tok"));
        assert_eq!(cookie(&h, "ao_dashboard_3001"), None);
        assert_eq!(token_param("x=1&token=abc"), Some("abc"));
        assert_eq!(token_param("tokens=abc"), None);
    }
}
