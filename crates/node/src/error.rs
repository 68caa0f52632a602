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

/// Throws `e` into JavaScript from a raw N-API callback, with the same `code` and message a
/// `#[napi]` function would give it.
///
/// # Safety
/// `env` must be the env of the running callback.
pub(crate) unsafe fn throw(env: napi::sys::napi_env, e: napi::Error<String>) {
    let c = |s: &str| std::ffi::CString::new(s.replace('\0', " ")).unwrap_or_default();
    let (code, msg) = (c(e.status.as_str()), c(&e.reason));
    unsafe { napi::sys::napi_throw_error(env, code.as_ptr(), msg.as_ptr()) };
}

/// The error a caught panic becomes: a panic never unwinds into JavaScript.
pub(crate) fn panic(payload: Box<dyn std::any::Any + Send>) -> napi::Error<String> {
    let what = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into());
    napi::Error::new(
        "barstream:internal:panic:".to_string(),
        format!("internal error in the native core: {what}"),
    )
}
