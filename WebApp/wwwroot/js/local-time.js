// Shows every <time datetime> in the reader's own time zone; the server renders UTC because it cannot know it.
(() => {
    const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
    const dateAndTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

    function localize(root) {
        for (const element of root.querySelectorAll('time[datetime]:not([data-local])')) {
            const when = new Date(element.dateTime);
            if (Number.isNaN(when.getTime())) continue;
            const today = when.toDateString() === new Date().toDateString();
            element.textContent = (today ? timeOnly : dateAndTime).format(when);
            element.title = when.toLocaleString();
            element.dataset.local = '';
        }
    }

    localize(document);
    new MutationObserver((records) => {
        for (const record of records) {
            if (record.addedNodes.length && record.target.nodeType === Node.ELEMENT_NODE) localize(record.target);
        }
    }).observe(document.body, { childList: true, subtree: true });
})();
