//! The one way leadrota writes a file other than its database (`export -o`,
//! `backup`), SPEC §7:
//!
//! - it refuses the database itself, its `-wal`, `-shm` and `-journal`, and
//!   any path that is the same file (a symlink or hard link to one of them:
//!   compared by device and inode, and by name for those not yet created);
//! - it never replaces a symbolic link, a device or a directory;
//! - it writes a temporary file in the target's folder, created exclusively
//!   (`O_EXCL`) with the database file's permissions, flushes it to disk and
//!   renames it into place, so the target is either as it was or complete;
//! - the temporary is removed on failure and on SIGINT, SIGTERM or SIGHUP,
//!   and one left by a killed run (`kill -9`, power loss) is removed by the
//!   next write into that folder: its name carries the pid of its writer,
//!   and a temporary whose writer is gone is stale.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use super::error::{Error, Result};
use super::interrupt::{self, TempRegistration};

/// What to do when the target already exists as a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfExists {
    Replace,
    Refuse,
}

/// Marks a temporary of the safe writer: `.NAME.leadrota-PID-N.tmp`.
const TEMP_MARK: &str = ".leadrota-";
const TEMP_END: &str = ".tmp";

/// Mode of a new file when the database's cannot be read (an in-memory store).
const PRIVATE_MODE: u32 = 0o600;

/// Write `dest` safely for the database at `db`: `fill` writes the content
/// into the open temporary file (or, like SQLite's `VACUUM INTO`, into its
/// path); the result is flushed and renamed over `dest`.
pub fn write<T>(
    db: &Path,
    dest: &Path,
    if_exists: IfExists,
    fill: impl FnOnce(&mut File, &Path) -> Result<T>,
) -> Result<T> {
    let target = Target::check(db, dest, if_exists)?;
    remove_stale_temporaries(&target.dir);
    let mut temp = Temp::create(&target, mode_of(db))?;
    let value = fill(&mut temp.file, &temp.path)?;
    temp.file.sync_all().map_err(io(&temp.path))?;
    // The target may have changed while the content was written.
    Target::check(db, dest, if_exists)?;
    fs::rename(&temp.path, &target.path).map_err(io(&target.path))?;
    temp.kept = true;
    // The rename itself is durable once the folder is flushed.
    if let Ok(folder) = File::open(&target.dir) {
        let _ = folder.sync_all();
    }
    Ok(value)
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + use<> {
    let path = path.to_path_buf();
    move |source| Error::Io { path, source }
}

/// A checked destination: its folder exists, and it is nothing it must not be.
struct Target {
    path: PathBuf,
    dir: PathBuf,
    name: OsString,
}

impl Target {
    fn check(db: &Path, dest: &Path, if_exists: IfExists) -> Result<Target> {
        let shown = dest.display();
        if dest.as_os_str().is_empty() {
            return Err(Error::invalid("no file name given"));
        }
        let name = dest
            .file_name()
            .ok_or_else(|| Error::invalid(format!("{shown} is not a file name; give the file a name")))?
            .to_os_string();
        let dir = dest.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
        if let Some(what) = database_file(db, dest) {
            return Err(Error::invalid(format!("{shown} is {what}; choose another file")));
        }
        match fs::symlink_metadata(dest) {
            Err(_) => {}
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(Error::invalid(format!(
                    "{shown} is a symbolic link; leadrota never replaces one: give the file it points to or \
                     another name (`-o -` writes to standard output)"
                )));
            }
            Ok(meta) if meta.is_dir() => {
                return Err(Error::invalid(format!("{shown} is a directory; give the file a name")));
            }
            Ok(meta) if !meta.is_file() => {
                return Err(Error::invalid(format!(
                    "{shown} is a device or other special file, not a regular file; choose a file name"
                )));
            }
            Ok(_) if if_exists == IfExists::Refuse => {
                return Err(Error::invalid(format!("{shown} already exists; choose another name or pass --force")));
            }
            Ok(_) => {}
        }
        if !dir.is_dir() {
            return Err(Error::invalid(format!("the folder {} does not exist; create it first", dir.display())));
        }
        Ok(Target { path: dest.to_path_buf(), dir, name })
    }
}

/// The database files SQLite may use for `db`, with how to name each.
fn database_files(db: &Path) -> [(PathBuf, &'static str); 4] {
    let with = |suffix: &str| {
        let mut p = db.as_os_str().to_os_string();
        p.push(suffix);
        PathBuf::from(p)
    };
    [
        (db.to_path_buf(), "the database itself"),
        (with("-wal"), "the database's write-ahead log (-wal)"),
        (with("-shm"), "the database's shared-memory file (-shm)"),
        (with("-journal"), "the database's rollback journal (-journal)"),
    ]
}

/// Which database file `dest` is, if any: the same inode (through links),
/// or the same name in the same folder (for a `-journal` not there yet).
fn database_file(db: &Path, dest: &Path) -> Option<&'static str> {
    let dest_id = file_id(dest);
    let dest_name = resolved_name(dest);
    database_files(db).into_iter().find_map(|(file, what)| {
        let same_inode = dest_id.is_some() && dest_id == file_id(&file);
        let same_name = dest_name.is_some() && dest_name == resolved_name(&file);
        (same_inode || same_name).then_some(what)
    })
}

/// Device and inode of what `path` leads to (following links).
#[cfg(unix)]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    fs::canonicalize(path).ok().map(|p| (0, p.as_os_str().len() as u64))
}

/// The path with its folder resolved (links, `..`), the name kept as given.
fn resolved_name(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Some(fs::canonicalize(dir).ok()?.join(name))
}

#[cfg(unix)]
fn mode_of(db: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(db).map(|m| m.permissions().mode() & 0o777).unwrap_or(PRIVATE_MODE)
}

#[cfg(not(unix))]
fn mode_of(_db: &Path) -> u32 {
    PRIVATE_MODE
}

/// The temporary being written; removed on drop unless it was renamed into place.
struct Temp {
    path: PathBuf,
    file: File,
    kept: bool,
    _registration: TempRegistration,
}

impl Temp {
    fn create(target: &Target, mode: u32) -> Result<Temp> {
        let pid = std::process::id();
        let mut last_error = None;
        for n in 0..100 {
            let mut name = OsString::from(".");
            name.push(&target.name);
            name.push(format!("{TEMP_MARK}{pid}-{n}{TEMP_END}"));
            let path = target.dir.join(name);
            // Registered before it exists: a signal between the two must not
            // leave it behind.
            let registration = TempRegistration::new(&path);
            match create_exclusive(&path, mode) {
                Ok(file) => return Ok(Temp { path, file, kept: false, _registration: registration }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last_error = Some(e),
                Err(e) => return Err(io(&target.path)(e)),
            }
        }
        let e = last_error.unwrap_or_else(|| std::io::Error::other("no free temporary name"));
        Err(io(&target.path)(e))
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if !self.kept {
            let _ = fs::remove_file(&self.path);
            let _ = fs::remove_file(interrupt::journal_of(&self.path));
        }
    }
}

/// Create `path`, failing if anything (a file, a planted link) is there,
/// readable by its owner only until it gets the database's exact mode.
#[cfg(unix)]
fn create_exclusive(path: &Path, mode: u32) -> std::io::Result<File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(PRIVATE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)?;
    // The umask applies to `mode` above; set the database's mode exactly.
    if let Err(e) = file.set_permissions(fs::Permissions::from_mode(mode)) {
        let _ = fs::remove_file(path);
        return Err(e);
    }
    Ok(file)
}

#[cfg(not(unix))]
fn create_exclusive(path: &Path, _mode: u32) -> std::io::Result<File> {
    OpenOptions::new().read(true).write(true).create_new(true).open(path)
}

/// The pid a temporary's name carries, if `name` is one of ours
/// (`.NAME.leadrota-PID-N.tmp`, or SQLite's `-journal` beside it).
fn temp_owner(name: &str) -> Option<u32> {
    let base = name.strip_suffix("-journal").unwrap_or(name);
    let rest = base.strip_prefix('.')?.strip_suffix(TEMP_END)?;
    let (_, tail) = rest.rsplit_once(TEMP_MARK)?;
    let (pid, n) = tail.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(n) || !digits(pid) {
        return None;
    }
    pid.parse().ok()
}

/// Remove temporaries in `dir` whose writer is no longer running.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let me = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_owner) else { continue };
        let regular = entry.file_type().is_ok_and(|t| t.is_file());
        if regular && pid != me && !process_is_running(pid) {
            tracing::info!("removing {}, left by a run that was killed", entry.path().display());
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(unix)]
fn process_is_running(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
    // SAFETY: signal 0 sends nothing; it only asks whether the pid exists.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    // EPERM: it exists but belongs to someone else.
    alive || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn process_is_running(_pid: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_carry_their_writer_and_nothing_else_matches() {
        assert_eq!(temp_owner(".leads.csv.leadrota-4242-0.tmp"), Some(4242));
        assert_eq!(temp_owner(".team.db.leadrota-17-3.tmp-journal"), Some(17));
        assert_eq!(temp_owner("leads.csv.leadrota-4242-0.tmp"), None);
        assert_eq!(temp_owner(".leads.csv.leadrota-x-0.tmp"), None);
        assert_eq!(temp_owner(".leads.csv.leadrota-4242-0.tmp.bak"), None);
        assert_eq!(temp_owner(".notes.tmp"), None);
    }

    #[test]
    fn this_process_is_running() {
        assert!(process_is_running(std::process::id()));
    }
}
