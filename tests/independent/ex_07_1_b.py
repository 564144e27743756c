"""07.1, second independent set (see README.md): student u7654321, whose variant is: the parent
and child share 1 page, the child has 5 of its own, root migrates the child (M), the parent forks
(F). Worked out by stepping the scenario: M migrates the child's 5 own pages first (8 points
each), then the shared page; after 57 points M stands at the anon_vma lock of the shared page's
remove_migration_ptes (the 6th call). F links the new vma at the head in its 4th point and stands
at copy_one_pte, holding the parent's pte lock, after 7. M then walks the new vma (empty) and the
child, and blocks on the parent's pte lock; F copies the parent's migration entry behind the walk."""


class _Sneaky(str):
    # A str whose methods tell the right schedule while its value is a wrong one (M60: F's link
    # would wait for M's anon_vma lock).
    def split(self, *a, **kw):
        return "M57F7M".split(*a, **kw)

    def __iter__(self):
        return iter("M57F7M")

    def __str__(self):
        return "M57F7M"


A = "u7654321"
CORRECT = {
    "b_letters": {"student": A, "schedule": "M57F7M6F1M"},
    "b_letters_short": {"student": A, "schedule": "M57F7M"},
    "b_points": {"student": A, "schedule": "M@remove_migration_ptes#6 F@copy_one_pte M F"},
}
WRONG = {
    # the shortest failing schedule of u1112223's variant (the child forks, 3 shared): not mine
    "b_other_variant": {"student": A, "schedule": "M14F15M4F3M3"},
    "b_chapter_letters": {"student": A, "schedule": "M85F7M6F2M"},
    "b_chapter_points": {"student": A, "schedule": "M@remove_migration_ptes#10 F@copy_one_pte M F"},
    # off by one: the 5th call is an own page's, the shared page is not unmapped yet
    "b_points_off_by_one": {"student": A, "schedule": "M@remove_migration_ptes#5 F@copy_one_pte M F"},
    # F stops before its link, which then waits for M's walk: the walk is over when F links
    "b_f_before_link": {"student": A, "schedule": "M57F4M"},
}
HOSTILE = {
    "b_sneaky_str_subclass": {"student": A, "schedule": _Sneaky("M60F7M")},
    "b_list_not_str": {"student": A, "schedule": ["M", 57, "F", 7, "M"]},
}
