//! What an environment's output directory holds now, read back as emitted files: what the
//! first build of a watch session is compared with, so a stale `out/` shows its drift.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path, PathBuf};

use meshc_istio::output::{EmittedEnv, OutputFile};

use crate::drift;
use crate::error::Fatal;

/// The files under `out/<env>/`; `None` when that directory does not exist.
pub fn read(out: &Path, env: &str) -> Result<Option<EmittedEnv>, Fatal> {
    let dir = out.join(env);
    match fs::symlink_metadata(&dir) {
        Ok(metadata) if metadata.is_dir() => {}
        Ok(_) => return Ok(None),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(Fatal::io("cannot read", &dir, &error)),
    }
    let mut found: BTreeMap<PathBuf, Vec<u8>> = BTreeMap::new();
    drift::collect(out, Path::new(env), &mut found)?;
    let files = found
        .into_iter()
        .map(|(path, contents)| OutputFile {
            path: relative_name(&path),
            contents: String::from_utf8_lossy(&contents).into_owned(),
        })
        .collect();
    Ok(Some(EmittedEnv { env: env.to_string(), files }))
}

/// `prod/shop/a.yaml` → `shop/a.yaml`, `/`-separated like emitted paths.
fn relative_name(path: &Path) -> String {
    let parts: Vec<_> = path
        .components()
        .skip(1)
        .filter_map(|component| match component {
            Component::Normal(part) => Some(part.to_string_lossy()),
            _ => None,
        })
        .collect();
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_environment_back() {
        let temp = tempfile::tempdir().expect("temp dir");
        let out = temp.path();
        fs::create_dir_all(out.join("prod/shop")).expect("create dirs");
        fs::write(out.join("prod/kustomization.yaml"), "kind: Kustomization\n").expect("write");
        fs::write(out.join("prod/shop/a.yaml"), b"kind: A\n\xff\n").expect("write");
        fs::write(out.join("staging"), "a file, not an environment").expect("write");
        let env = read(out, "prod").expect("reads").expect("exists");
        assert_eq!(
            env.files,
            [
                OutputFile { path: "kustomization.yaml".into(), contents: "kind: Kustomization\n".into() },
                OutputFile { path: "shop/a.yaml".into(), contents: "kind: A\n\u{fffd}\n".into() },
            ]
        );
        assert_eq!(read(out, "staging").expect("reads"), None);
        assert_eq!(read(out, "dev").expect("reads"), None);
    }
}
