//! The one place where core errors become JavaScript errors.
//!
//! The JavaScript error's `code` carries `barstream:<kind>:<code>:<detail>`; the TypeScript layer
//! (`src/errors.ts`) turns it into the typed error class. `detail` is the parameter name of a
//! configuration error and the batch index of a rejected bar, empty otherwise.

use barstream_core::Error;

/// Maps a core error to the JavaScript error thrown for it.
pub(crate) fn to_js(e: Error) -> napi::Error<String> {
    let message = e.to_string();
    let code = e.code();
    let (kind, detail) = match &e {
        Error::Rejected(r) if r.reason == barstream_core::RejectReason::NoSession => {
            ("session", r.index.map(|i| i.to_string()))
        }
        Error::Rejected(r) => ("bar", r.index.map(|i| i.to_string())),
        Error::Config { param, .. } => ("config", Some(param.clone())),
        Error::Session { .. } => ("session", None),
        Error::NotFound { .. } => ("input", None),
        Error::Input { .. } => ("input", None),
    };
    napi::Error::new(
        format!("barstream:{kind}:{code}:{}", detail.unwrap_or_default()),
        message,
    )
}

/// A JavaScript error for a bad argument the binding itself finds.
pub(crate) fn config(param: &str, message: String) -> napi::Error<String> {
    napi::Error::new(format!("barstream:config:invalid_config:{param}"), message)
}
