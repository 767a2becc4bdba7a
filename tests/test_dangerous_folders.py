"""Output folders a build must never write into, and the private folder of output locks."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from audiotour.cli.output import error_line
from audiotour.errors import UsageError, WorldError
from audiotour.fsutil import private_lock_folder
from audiotour.outputs import refuse_dangerous_output


@pytest.fixture
def tour_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home" / "ana"
    folder = home / "tours" / "lyon"
    folder.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(folder)
    return folder


@pytest.mark.parametrize(("output", "reason"), [
    ("/", "is the filesystem root"),
    ("{home}", "is your home folder"),
    ("{home}/", "is your home folder"),
    ("{home}/tours/..", "is your home folder"),
    ("{home}/..", "holds your home folder"),
    (".", "is the tour's own folder"),
    ("{tour}", "is the tour's own folder"),
    ("..", "holds the tour's folder"),
    ("link-to-here", "is the tour's own folder"),
])
def test_refuses_folders_that_must_never_be_one(tour_folder: Path, output: str, reason: str) -> None:
    home = tour_folder.parent.parent
    (tour_folder / "link-to-here").symlink_to(tour_folder)
    given = Path(output.format(home=home, tour=tour_folder))
    with pytest.raises(UsageError) as raised:
        refuse_dangerous_output(given, tour_folder)
    assert raised.value.field == "output"
    message = error_line(raised.value)
    assert message.startswith(f"Error: -o: {given} {reason}; build into a folder of its own, e.g. ")
    assert "\n" not in message


@pytest.mark.parametrize("output", ["audio_out", "../lyon-audio", "{home}/public/lyon", "/tmp/x/y"])
def test_accepts_a_folder_of_its_own(tour_folder: Path, output: str) -> None:
    home = tour_folder.parent.parent
    refuse_dangerous_output(Path(output.format(home=home)), tour_folder)


def test_the_fix_names_a_folder_inside_the_tour(tour_folder: Path) -> None:
    with pytest.raises(UsageError, match=f"e.g. {tour_folder}/audio_out$"):
        refuse_dangerous_output(tour_folder, tour_folder)


def test_the_lock_folder_is_made_private(tmp_path: Path) -> None:
    folder = private_lock_folder(tmp_path)
    assert folder == tmp_path / f"audiotour-locks-{os.getuid()}"
    assert folder.is_dir() and (folder.stat().st_mode & 0o777) == 0o700
    assert private_lock_folder(tmp_path) == folder  # once made, accepted again


def test_a_lock_folder_others_can_write_to_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / f"audiotour-locks-{os.getuid()}"
    folder.mkdir()
    folder.chmod(0o777)
    with pytest.raises(WorldError, match=r"can be written by other users \(mode 777\); remove it, or set TMPDIR"):
        private_lock_folder(tmp_path)


def test_a_lock_folder_that_is_a_link_or_a_file_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (tmp_path / f"audiotour-locks-{os.getuid()}").symlink_to(elsewhere)
    with pytest.raises(WorldError, match="is not a folder but a symbolic link"):
        private_lock_folder(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    (other / f"audiotour-locks-{os.getuid()}").write_text("x")
    with pytest.raises(WorldError, match="is not a folder but a file"):
        private_lock_folder(other)


@pytest.mark.skipif(os.getuid() != 0, reason="making a folder another user owns needs root")
def test_a_lock_folder_of_another_user_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = private_lock_folder(tmp_path)
    os.chown(folder, 12345, 12345)
    with pytest.raises(WorldError, match=r"belongs to another user \(uid 12345\)"):
        private_lock_folder(tmp_path)
