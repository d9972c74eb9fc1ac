// Shows every <time datetime> in the reader's own time zone and language (<html lang>), worded as the server words it
// (LocalTimeTagHelper.Patterns): "HH:mm" today, else month, day and time ("Nov 30, 10:28", ja/zh "11月30日 10:28");
// data-format="date" is the date ("Nov 30, 2026", "2026年11月30日"), "day" the date with its weekday; the title is
// "yyyy-MM-dd HH:mm" in every language.
// The server already renders times in the zone this browser reported in the `tz` cookie (data-local names it), so
// on a page it rendered nothing changes; only times in another zone (a first visit, a trip, live messages rendered
// once for everyone in UTC) are rewritten, and the cookie is set (again) for the next page.
(() => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const locale = document.documentElement.lang || 'en';
    const timeOnly = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    const dateAndTime = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    const dateOnly = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', year: 'numeric' });
    const fullDay = new Intl.DateTimeFormat(locale, { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' });
    const pad = (n) => String(n).padStart(2, '0');

    if (zone && !document.cookie.split('; ').includes('tz=' + encodeURIComponent(zone))) {
        const secure = location.protocol === 'https:' ? '; Secure' : '';
        document.cookie = `tz=${encodeURIComponent(zone)}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
    }

    function localize(root) {
        for (const element of root.querySelectorAll('time[datetime]')) {
            if (element.dataset.local === zone) continue;
            const when = new Date(element.dateTime);
            if (Number.isNaN(when.getTime())) continue;
            const today = when.toDateString() === new Date().toDateString();
            const format = element.dataset.format;
            element.textContent = format === 'date' ? dateOnly.format(when) : format === 'day' ? fullDay.format(when)
                : (today ? timeOnly : dateAndTime).format(when);
            element.title = `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} ${pad(when.getHours())}:${pad(when.getMinutes())}`;
            element.dataset.local = zone;
        }
    }

    localize(document);
    new MutationObserver((records) => {
        for (const record of records) {
            if (record.addedNodes.length && record.target.nodeType === Node.ELEMENT_NODE) localize(record.target);
        }
    }).observe(document.body, { childList: true, subtree: true });
})();
