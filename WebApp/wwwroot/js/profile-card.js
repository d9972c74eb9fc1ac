// Profile cards: hovering or focusing an author's name (a link to /people/{id}) shows that person's card (their
// unique name and when the account was created), fetched once per person from /people/{id}?handler=Card.
// WCAG 1.4.13: the card stays while the pointer is over the name or the card, and Escape dismisses it.
(() => {
    const messages = document.getElementById('messages');
    if (!messages) return;
    const cards = new Map(); // user id -> Promise<string> (the card's HTML, rendered and encoded by the server)
    const popup = document.createElement('div');
    popup.id = 'profile-card-popup';
    popup.className = 'profile-card-popup';
    popup.setAttribute('role', 'tooltip');
    popup.hidden = true;
    document.body.append(popup);
    let anchor = null;
    let hideTimer = null;

    function cardFor(href) {
        if (!cards.has(href)) {
            cards.set(href, fetch(href + '?handler=Card', { credentials: 'same-origin' })
                .then((response) => (response.ok ? response.text() : ''))
                .catch(() => ''));
        }
        return cards.get(href);
    }

    async function show(link) {
        clearTimeout(hideTimer);
        if (anchor === link && !popup.hidden) return;
        anchor = link;
        const html = await cardFor(link.getAttribute('href'));
        if (anchor !== link || !html) return;
        // The server's own partial (Razor-encoded); parsed inertly, never as script.
        const parsed = new DOMParser().parseFromString(html, 'text/html').querySelector('.profile-card');
        if (!parsed) return;
        popup.replaceChildren(document.importNode(parsed, true));
        popup.hidden = false;
        link.setAttribute('aria-describedby', popup.id);
        const box = link.getBoundingClientRect();
        popup.style.left = Math.max(8, Math.min(box.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - popup.offsetWidth - 8)) + 'px';
        popup.style.top = (box.bottom + window.scrollY + 6) + 'px';
    }

    function hideSoon() {
        clearTimeout(hideTimer);
        hideTimer = setTimeout(hide, 250);
    }

    function hide() {
        popup.hidden = true;
        anchor?.removeAttribute('aria-describedby');
        anchor = null;
    }

    const authorOf = (target) => (target instanceof Element ? target.closest('#messages a.message-author') : null);
    messages.addEventListener('mouseover', (event) => { const link = authorOf(event.target); if (link) show(link); });
    messages.addEventListener('mouseout', (event) => { if (authorOf(event.target)) hideSoon(); });
    messages.addEventListener('focusin', (event) => { const link = authorOf(event.target); if (link) show(link); });
    messages.addEventListener('focusout', (event) => { if (authorOf(event.target)) hideSoon(); });
    popup.addEventListener('mouseover', () => clearTimeout(hideTimer));
    popup.addEventListener('mouseout', hideSoon);
    document.addEventListener('keydown', (event) => { if (event.key === 'Escape' && !popup.hidden) hide(); });
    // A rename changes the card: fetch it afresh next time.
    document.addEventListener('chat:author-renamed', () => cards.clear());
})();
