"""Apple Podcasts' categories (a show names up to three) and the Podcast Taxonomy's roles for people.

Apple, Spotify and most podcast apps file shows under this list; a category it
does not hold is ignored (or the feed refused), so the tour file is checked
against it, with the nearest valid name suggested. Names are matched exactly
as Apple writes them ("Society & Culture", "How To"), case included.
"""
from __future__ import annotations

import difflib

APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": ("Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality"),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": ("Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies", "Home & Garden",
                "Video Games"),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": ("Business News", "Daily News", "Entertainment News", "News Commentary", "Politics", "Sports News",
             "Tech News"),
    "Religion & Spirituality": ("Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion",
                                "Spirituality"),
    "Science": ("Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics", "Natural Sciences",
                "Nature", "Physics", "Social Sciences"),
    "Society & Culture": ("Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships"),
    "Sports": ("Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey", "Rugby",
               "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness", "Wrestling"),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}

DEFAULT_CATEGORY = "Society & Culture/Places & Travel"
"""Where a guided visit belongs when the tour names none."""

MAX_CATEGORIES = 3


def all_names() -> list[str]:
    """Every valid spelling: ``Category`` and ``Category/Subcategory``."""
    names = []
    for parent, children in APPLE_CATEGORIES.items():
        names.append(parent)
        names += [f"{parent}/{child}" for child in children]
    return names


def parse_category(value: str) -> tuple[str, ...]:
    """``"Society & Culture/Places & Travel"`` → its parts; a ValueError naming the nearest valid one otherwise.

    A subcategory alone (``Places & Travel``) is understood as under its parent.
    """
    text = "/".join(part.strip() for part in value.split("/"))
    known = all_names()
    if text in known:
        return tuple(text.split("/"))
    by_child = {child: f"{parent}/{child}" for parent, children in APPLE_CATEGORIES.items() for child in children}
    if text in by_child:
        return tuple(by_child[text].split("/"))
    folded = {name.casefold().replace("-", " "): name for name in known}
    exact = folded.get(text.casefold().replace("-", " "))
    if exact is None:
        exact = folded.get(by_child.get(text.title(), "").casefold().replace("-", " "))
    hint = exact or nearest(text)
    suggestion = f"; did you mean {hint!r}?" if hint else "; see Apple's list in docs/tour-file.md"
    raise ValueError(f"{value!r} is not one of Apple Podcasts' categories{suggestion}")


def nearest(text: str) -> str | None:
    known = all_names()
    pool = {name.casefold(): name for name in known}
    # A subcategory written alone matches by its own name too.
    pool.update({name.split("/")[-1].casefold(): name for name in known if "/" in name})
    close = difflib.get_close_matches(text.casefold(), list(pool), n=1, cutoff=0.5)
    return pool[close[0]] if close else None


PERSON_ROLES: tuple[str, ...] = (
    "announcer", "assistant camera", "assistant director", "assistant editor", "associate producer",
    "audio editor", "audio engineer", "author", "booking coordinator", "camera grip", "camera operator", "co-host",
    "co-writer", "composer", "consultant", "content manager", "cover art designer", "creative director",
    "development producer", "director", "editor", "editorial director", "executive producer", "fact checker",
    "foley artist", "graphic designer", "guest", "guest host", "guest writer", "host", "intern",
    "lighting designer", "logger", "managing editor", "marketing manager", "music contributor", "music production",
    "narrator", "post production engineer", "producer", "production assistant", "production coordinator",
    "remote recording engineer", "reporter", "researcher", "sales manager", "sales representative",
    "script coordinator", "script editor", "senior producer", "social media manager", "songwriter",
    "sound designer", "story editor", "studio coordinator", "technical director", "technical manager",
    "theme music", "transcriber", "translator", "voice actor", "writer",
)
"""The roles of the Podcast Taxonomy Project, which `podcast:person` names (case does not matter)."""


def parse_role(value: str) -> str:
    role = " ".join(value.split()).lower()
    if role in PERSON_ROLES:
        return role
    close = difflib.get_close_matches(role, PERSON_ROLES, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else "; e.g. host, narrator, author, producer, researcher"
    raise ValueError(f"{value!r} is not a role of the Podcast Taxonomy{hint}")
