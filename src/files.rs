//! The files qualify writes: private to their owner (0600, folders 0700),
//! tightened when found looser, written whole under a temporary name and
//! renamed into place, never through a symlink.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// The folder a file lives in (`.` for a bare file name).
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// `path` with `suffix` added to its file name: `deals.db` → `deals.db-wal`.
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// The permission bits of `path` itself (a symlink is not followed).
pub fn mode(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        fs::symlink_metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Remove from `path`'s mode every bit that `wanted` does not have (a 0644
/// file wanted 0600 becomes 0600). Symlinks are left alone. Returns whether
/// anything changed.
pub fn tighten(path: &Path, wanted: u32) -> io::Result<bool> {
    #[cfg(unix)]
    {
        let meta = match fs::symlink_metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        if meta.file_type().is_symlink() {
            return Ok(false);
        }
        let current = meta.permissions().mode() & 0o777;
        if current & !wanted == 0 {
            return Ok(false);
        }
        fs::set_permissions(path, fs::Permissions::from_mode(current & wanted))?;
        Ok(true)
    }
    #[cfg(not(unix))]
    {
        let _ = (path, wanted);
        Ok(false)
    }
}

/// Create `dir` and any missing parents 0700, and tighten `dir` itself to
/// 0700 if it exists looser (only for qualify's own data folder).
pub fn private_folder(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir)?;
    tighten(dir, 0o700).map(|_| ())
}

/// Create `path` empty and 0600 if nothing is there; an existing file is kept.
pub fn create_private_file(path: &Path) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Open `path` for appending, creating it 0600 and tightening it if looser;
/// a symlink at `path` is refused rather than followed (the log).
pub fn append_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    let file = options.open(path)?;
    tighten(path, 0o600)?;
    Ok(file)
}

/// A new, empty, 0600 file beside `target`, named after it, that nothing
/// else uses: where a file is written before it is renamed to `target`
/// (open for reading too, so that it can also hold what is read back).
pub fn temp_beside(target: &Path) -> io::Result<(PathBuf, File)> {
    let dir = folder_of(target);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "qualify".into());
    let mut last = None;
    for attempt in 0..100 {
        let temp = dir.join(format!(".{name}.{}-{attempt}.tmp", std::process::id()));
        let mut options = OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600);
        match options.open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

/// What is at `path` when it is something an output must not replace: a
/// character or block device, a named pipe (FIFO) or a socket, named in
/// words. `None` when nothing is there, or a regular file, folder or symlink
/// (the link itself is looked at, never followed: a rename replaces the link).
pub fn special_kind(path: &Path) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = fs::symlink_metadata(path).ok()?.file_type();
        if kind.is_char_device() {
            Some("a character device")
        } else if kind.is_block_device() {
            Some("a block device")
        } else if kind.is_fifo() {
            Some("a named pipe (FIFO)")
        } else if kind.is_socket() {
            Some("a socket")
        } else {
            None
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Refuse an output `path` that holds a device, named pipe or socket: the
/// one line saying so (what was there and what is accepted), for every face
/// that writes an output file (`--out`, `report --out`, `backup`).
pub fn check_output(path: &Path) -> Result<(), String> {
    match special_kind(path) {
        None => Ok(()),
        Some(kind) => Err(format!(
            "cannot write {}: it is {kind}, not a regular file; give the path of a \
             regular file or a new one (--force replaces only a regular file); nothing was written",
            crate::text::clean(&path.display().to_string())
        )),
    }
}

/// Make a rename in `dir` durable.
pub fn sync_folder(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Move the finished temporary file `temp` to `target`: flushed to disk, made
/// 0600, renamed (a symlink at `target` is replaced, not followed; a device,
/// named pipe or socket put there meanwhile is refused, see [`special_kind`]).
pub fn finish(temp: &Path, target: &Path) -> io::Result<()> {
    if let Some(kind) = special_kind(target) {
        return Err(io::Error::other(format!(
            "it is {kind}, not a regular file"
        )));
    }
    File::open(temp)?.sync_all()?;
    tighten(temp, 0o600)?;
    fs::rename(temp, target)?;
    sync_folder(folder_of(target))
}

/// Write `bytes` to `path` as a private file, by temporary file and rename:
/// a reader sees the old file or the new one, never half of one, and a
/// symlink at `path` is replaced instead of written through.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(io::Error::other("that is a folder"));
    }
    let (temp, mut file) = temp_beside(path)?;
    let result = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| finish(&temp, path));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Whether this process may write to `path` (the file or folder's mode and
/// the system's own check): a file whose owner-write bit is off counts as
/// read-only even for a user the system would let through.
pub fn writable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let Some(mode) = fs::metadata(path).ok().map(|m| m.permissions().mode()) else {
            return false;
        };
        if mode & 0o200 == 0 {
            return false;
        }
        let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
            return false;
        };
        // SAFETY: `c_path` is a valid NUL-terminated string for the call's duration.
        unsafe { libc::access(c_path.as_ptr(), libc::W_OK) == 0 }
    }
    #[cfg(not(unix))]
    {
        fs::metadata(path).is_ok_and(|m| !m.permissions().readonly())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_private_write_replaces_a_symlink_instead_of_following_it() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        fs::write(&victim, "keep me").unwrap();
        let link = dir.path().join("report.md");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        write_private(&link, b"report").unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep me");
        assert_eq!(fs::read_to_string(&link).unwrap(), "report");
        assert!(
            !fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(mode(&link), Some(0o600));
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_private_write_never_replaces_a_named_pipe() {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let pipe = dir.path().join("pipe");
        let c_path = std::ffi::CString::new(pipe.as_os_str().as_bytes()).unwrap();
        // SAFETY: `c_path` is a valid NUL-terminated string for the call's duration.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        assert_eq!(special_kind(&pipe), Some("a named pipe (FIFO)"));
        assert!(
            check_output(&pipe)
                .unwrap_err()
                .contains("not a regular file")
        );
        assert!(write_private(&pipe, b"x").is_err());
        assert!(fs::symlink_metadata(&pipe).unwrap().file_type().is_fifo());
        let file = dir.path().join("file");
        fs::write(&file, "").unwrap();
        assert_eq!(special_kind(&file), None);
        assert_eq!(special_kind(&dir.path().join("new")), None);
        assert_eq!(listing_of_temps(dir.path()), 0);
    }

    fn listing_of_temps(dir: &Path) -> usize {
        fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .count()
    }

    #[cfg(unix)]
    #[test]
    fn tighten_only_removes_bits() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        fs::write(&file, "").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(tighten(&file, 0o600).unwrap());
        assert_eq!(mode(&file), Some(0o600));
        fs::set_permissions(&file, fs::Permissions::from_mode(0o400)).unwrap();
        assert!(!tighten(&file, 0o600).unwrap());
        assert_eq!(mode(&file), Some(0o400));
    }
}
