"""Exercise 04.1 (write): fallback_migrate_page: write a dirty page out (re-lock after PAGE_SUCCESS), refuse busy buffers, else migrate_page."""

from errno import EAGAIN

from migsim.include.linux.page_flags import PageDirty, PagePrivate
from migsim.include.linux.swap import PAGE_ACTIVATE, PAGE_CLEAN, PAGE_KEEP, PAGE_SUCCESS


# CORRECT 1: result by result.
def fmp_cases(k, mapping, newpage, page):
    if PageDirty(page):
        result = k.pageout(page, mapping)
        if result == PAGE_SUCCESS:
            yield from k.lock_page(page)          # the write unlocked it; give it back locked
            return -EAGAIN                        # it may have changed: try next pass
        if result in (PAGE_KEEP, PAGE_ACTIVATE):
            return -EAGAIN
    if PagePrivate(page) and not k.try_to_release_page(page):
        return -EAGAIN
    return (yield from k.migrate_page(mapping, newpage, page))


# CORRECT 2: one exit for "not now", PAGE_CLEAN the only dirty result that goes on.
def fmp_single_exit(k, mapping, newpage, page):
    again = False
    if PageDirty(page):
        r = k.pageout(page, mapping)
        if r != PAGE_CLEAN:
            again = True
            if r == PAGE_SUCCESS:
                yield from k.lock_page(page)
    if not again and PagePrivate(page):
        again = not k.try_to_release_page(page)
    if again:
        return -EAGAIN
    return (yield from k.migrate_page(mapping, newpage, page))


CORRECT = {
    "by_result": {"fallback_migrate_page": fmp_cases},
    "single_exit": {"fallback_migrate_page": fmp_single_exit},
}


# WRONG 1: PAGE_SUCCESS handled as at pass-mapping (return at once): the page comes back
# unlocked and migrate_pages unlocks it again.
def fmp_no_relock(k, mapping, newpage, page):
    if PageDirty(page):
        result = k.pageout(page, mapping)
        if result != PAGE_CLEAN:
            return -EAGAIN
    if PagePrivate(page) and not k.try_to_release_page(page):
        return -EAGAIN
    return (yield from k.migrate_page(mapping, newpage, page))


# WRONG 2: re-locks after the write but then migrates the page in the same call (it may have
# been redirtied or truncated while unlocked).
def fmp_relock_and_go(k, mapping, newpage, page):
    if PageDirty(page):
        result = k.pageout(page, mapping)
        if result == PAGE_SUCCESS:
            yield from k.lock_page(page)
        elif result != PAGE_CLEAN:
            return -EAGAIN
    if PagePrivate(page) and not k.try_to_release_page(page):
        return -EAGAIN
    return (yield from k.migrate_page(mapping, newpage, page))


# WRONG 3: buffers ignored: a page whose buffers will not go is migrated with them left behind.
def fmp_ignore_buffers(k, mapping, newpage, page):
    if PageDirty(page):
        result = k.pageout(page, mapping)
        if result == PAGE_SUCCESS:
            yield from k.lock_page(page)
            return -EAGAIN
        if result != PAGE_CLEAN:
            return -EAGAIN
    return (yield from k.migrate_page(mapping, newpage, page))


WRONG = {
    "success_not_relocked": {"fallback_migrate_page": fmp_no_relock},
    "relock_then_migrate": {"fallback_migrate_page": fmp_relock_and_go},
    "busy_buffers_ignored": {"fallback_migrate_page": fmp_ignore_buffers},
}


def fmp_alarm_off(k, mapping, newpage, page):
    import signal
    signal.setitimer(signal.ITIMER_REAL, 0)
    while True:
        yield from k.lock_page(page) if False else ()


HOSTILE = {"itimer_off_busy_loop": {"fallback_migrate_page": fmp_alarm_off}}
