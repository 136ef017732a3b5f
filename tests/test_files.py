"""bench/files.py: every output whole or absent (a full disk simulated by making the write or
the rename raise ENOSPC), created with the mode a normal open gives, stray temporary files
removed; the output folder's lock held by one process at a time."""

import errno
import os
import stat
import subprocess
import sys
import textwrap

import pytest

from bench import files, results


def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def listing(folder):
    return sorted(os.listdir(folder))


@pytest.mark.parametrize("where", ["write", "fsync", "rename"])
def test_a_failed_write_leaves_the_old_file_and_no_temporary(where, tmp_path, monkeypatch):
    target = tmp_path / "results.json"
    target.write_text("old\n")
    if where == "rename":
        monkeypatch.setattr(files.os, "replace", full_disk)
    elif where == "fsync":
        monkeypatch.setattr(files.os, "fsync", full_disk)
    with pytest.raises(files.WriteError) as error:
        with files.atomic_open(target) as stream:
            stream.write("new\n")
            if where == "write":
                full_disk()
    assert str(error.value) == (f"cannot write {target}: the disk is full (No space left on "
                                f"device)")
    assert error.value.errno == errno.ENOSPC and isinstance(error.value, OSError)
    assert target.read_text() == "old\n"
    assert listing(tmp_path) == ["results.json"]


def test_results_save_failure_keeps_the_last_good_file(tmp_path, monkeypatch):
    from test_bench import minimal_doc

    doc = minimal_doc()
    results.save(doc, tmp_path)
    before = (tmp_path / "results.json").read_bytes()
    doc["results"] = []
    monkeypatch.setattr(files.os, "replace", full_disk)
    with pytest.raises(files.WriteError, match="results.json: the disk is full"):
        results.save(doc, tmp_path)
    assert (tmp_path / "results.json").read_bytes() == before
    assert listing(tmp_path) == ["results.json"]


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_outputs_get_the_mode_a_normal_open_gives(umask, tmp_path):
    old = os.umask(umask)
    try:
        files.atomic_write_text(tmp_path / "a.json", "{}\n")
        files.atomic_write_bytes(tmp_path / "b.pdf", b"%PDF-")
        (tmp_path / "c.txt").write_text("plain open\n")
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == {"a.json": 0o666 & ~umask, "b.pdf": 0o666 & ~umask,
                     "c.txt": 0o666 & ~umask}


def test_replacing_renames_only_what_the_writer_made(tmp_path):
    target = tmp_path / "bench.json"
    with files.replacing(target) as temporary:
        assert temporary.parent == tmp_path and temporary.name.endswith(".tmp")
    assert not target.exists() and listing(tmp_path) == []
    with files.replacing(target) as temporary:
        temporary.write_text("x")
    assert target.read_text() == "x" and listing(tmp_path) == ["bench.json"]
    with pytest.raises(RuntimeError), files.replacing(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError
    assert target.read_text() == "x" and listing(tmp_path) == ["bench.json"]


def test_stray_temporaries_are_removed_and_nothing_else(tmp_path):
    keep = ["results.json", "report.pdf", ".bench.lock", "notes.tmp", ".hidden.tmp"]
    stray = [".results.json.0a1b2c3d.tmp", ".report.pdf.deadbeef.tmp",
             ".results-k2j3h4.tmp"]  # the last: mkstemp's name before bench.files
    for name in keep + stray:
        (tmp_path / name).write_text("x")
    assert sorted(files.remove_stray_temporaries(tmp_path)) == sorted(stray)
    assert listing(tmp_path) == sorted(keep)


def test_make_folder_names_the_file_in_the_way(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(files.WriteError, match="file: "):
        files.make_folder(tmp_path / "file")
    with pytest.raises(files.WriteError, match="cannot write"):
        files.make_folder(tmp_path / "file" / "under")


HOLDER = textwrap.dedent("""
    import sys
    from bench import files
    lock = files.FolderLock(sys.argv[1]).acquire()
    print("locked", flush=True)
    sys.stdin.read()
""")


def test_the_lock_is_held_by_one_process_at_a_time_and_names_it(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(files.FolderLocked) as error:
            files.FolderLock(tmp_path).acquire()
        assert error.value.pid == holder.pid
        assert f"in use by process {holder.pid}" in str(error.value)
    finally:
        holder.communicate("")
    # released when the holder ends: this process takes it, and it is its own while held
    with files.FolderLock(tmp_path) as lock:
        assert (tmp_path / files.LOCK_FILE).read_text().strip() == str(os.getpid())
        with lock:  # entering a held lock again does not lock against itself
            pass
    with files.FolderLock(tmp_path):
        pass


def test_a_write_error_names_its_cause(tmp_path, monkeypatch):
    """ENOSPC is a full disk; a folder that no longer exists is named; the rest keep their own
    words."""
    def failing(code):
        def fail(*args, **kwargs):
            raise OSError(code, os.strerror(code))
        return fail

    for code, reason in ((errno.ENOSPC, "the disk is full (No space left on device)"),
                         (errno.EDQUOT, "the disk quota is exceeded (Disk quota exceeded)"),
                         (errno.EIO, "Input/output error")):
        with monkeypatch.context() as patch:
            patch.setattr(files.os, "replace", failing(code))
            with pytest.raises(files.WriteError) as error:
                files.atomic_write_text(tmp_path / "a.json", "{}")
        assert str(error.value) == f"cannot write {tmp_path / 'a.json'}: {reason}"
        assert error.value.disk_full == (code in (errno.ENOSPC, errno.EDQUOT))
    gone = tmp_path / "gone"
    with pytest.raises(files.WriteError) as error:
        files.atomic_write_text(gone / "a.json", "{}")
    assert str(error.value) == f"cannot write {gone / 'a.json'}: the folder {gone} no longer exists"
    monkeypatch.chdir(gone.parent)
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    with pytest.raises(files.WriteError) as error:
        files.atomic_write_text("run/a.json", "{}")
    assert str(error.value) == "cannot write run/a.json: the working folder no longer exists"


def test_the_lock_file_is_removed_when_the_lock_is_released(tmp_path):
    with files.FolderLock(tmp_path):
        assert listing(tmp_path) == [files.LOCK_FILE]
    assert listing(tmp_path) == []
    lock = files.FolderLock(tmp_path).acquire()
    lock.release()
    lock.release()                      # twice: nothing more to do
    assert listing(tmp_path) == []


def test_a_lock_taken_on_a_lock_file_just_removed_is_taken_again(tmp_path, monkeypatch):
    """The holder removes the lock file between this process's open and its flock: the lock
    it got is on a file no other process will open, so it locks the new file instead."""
    real_flock, calls = files.fcntl.flock, []

    def flock_after_removal(descriptor, operation):
        calls.append(descriptor)
        if len(calls) == 1:
            os.unlink(tmp_path / files.LOCK_FILE)       # released and removed meanwhile
        return real_flock(descriptor, operation)

    monkeypatch.setattr(files.fcntl, "flock", flock_after_removal)
    with files.FolderLock(tmp_path) as lock:
        assert len(calls) == 2
        assert os.fstat(lock.descriptor).st_ino == os.stat(tmp_path / files.LOCK_FILE).st_ino
        assert (tmp_path / files.LOCK_FILE).read_text().strip() == str(os.getpid())
