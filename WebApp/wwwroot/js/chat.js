// The room's live connection. hx-ws opens the socket and swaps in what the server sends; this file owns the rest:
// - a fresh single-use token before every connect, and a new one sent in-band before it expires (tokens live
//   only in this closure, never in storage);
// - resuming: every connect says which message the page saw last (?after=), so the server sends what was missed;
// - sending: each message gets an id made here and waits, shown as "Sending…", until the server echoes it back;
//   after a reconnect whatever is unacknowledged goes again and the server drops what it already stored;
// - reconnecting with backoff and jitter, and the close codes (4001: authorize again now; 4003: no access, stop);
// - the status badge, the composer's keyboard behaviour, and scrolling.
(() => {
    const room = document.getElementById('room');
    const socketHost = document.getElementById('chat-socket');
    if (!room || !socketHost) return;
    const badge = document.getElementById('connection-status');
    const form = document.getElementById('message-form');
    const input = document.getElementById('message-text');
    const messages = document.getElementById('messages');
    const pending = document.getElementById('pending');
    const newMessages = document.getElementById('new-messages');
    const errorBox = document.getElementById('chat-error');

    // Reconnects are ours, because each one needs a new token first.
    htmx.config.ws = { ...htmx.config.ws, reconnect: false, pauseOnBackground: false };

    const labels = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline', denied: 'No access' };
    const UNAUTHORIZED = 4001;
    const FORBIDDEN = 4003;
    let state = 'offline';
    let nextToken = null;
    let expiresAt = 0;
    let socket = null;
    let attempt = 0;
    let retryTimer = null;
    let refreshTimer = null;
    const unacknowledged = []; // { clientId, text }, in the order they were written

    function setState(next) {
        state = next;
        badge.dataset.state = next;
        badge.textContent = labels[next];
    }

    function showError(text) {
        errorBox.textContent = text;
    }

    // ---- Authorization -------------------------------------------------------------------------------------

    async function fetchToken() {
        const response = await fetch(room.dataset.tokenUrl, {
            method: 'POST',
            headers: { 'RequestVerificationToken': room.dataset.antiforgery },
            credentials: 'same-origin',
            cache: 'no-store',
        });
        if (response.status === 401) {
            // The session is over: the login page brings the person back here afterwards.
            location.assign(room.dataset.loginUrl);
            return null;
        }
        if (!response.ok) throw new Error(`token request answered ${response.status}`);
        const body = await response.json();
        expiresAt = Date.parse(body.expiresAt);
        return body.token;
    }

    // Halfway through a token's life, send the socket a new one so it is never closed for expiry.
    function scheduleRefresh() {
        clearTimeout(refreshTimer);
        refreshTimer = setTimeout(refresh, Math.max(250, (expiresAt - Date.now()) / 2));
    }

    async function refresh() {
        let token;
        try {
            token = await fetchToken();
        } catch {
            refreshTimer = setTimeout(refresh, 1000);
            return;
        }
        if (token && socket?.readyState === WebSocket.OPEN) {
            socket.send(JSON.stringify({ type: 'refresh', token }));
            scheduleRefresh();
        }
    }

    // ---- Connection ----------------------------------------------------------------------------------------

    async function connect() {
        clearTimeout(retryTimer);
        setState(attempt === 0 ? 'connecting' : 'reconnecting');
        try {
            nextToken = await fetchToken();
        } catch {
            scheduleReconnect();
            return;
        }
        if (nextToken) socketHost.dispatchEvent(new CustomEvent('chat-connect'));
    }

    function scheduleReconnect() {
        attempt++;
        const base = Math.min(500 * 2 ** (attempt - 1), 30000);
        const delay = base * (0.7 + Math.random() * 0.6);
        setState('reconnecting');
        retryTimer = setTimeout(connect, delay);
    }

    function lastSeenSeq() {
        const shown = messages.querySelectorAll('.message');
        return shown.length ? shown[shown.length - 1].dataset.seq : '0';
    }

    socketHost.addEventListener('htmx:ws:before:connection', (event) => {
        if (!nextToken) {
            event.preventDefault();
            return;
        }
        const connection = event.detail.connection;
        const url = new URL(connection.url);
        url.searchParams.set('after', lastSeenSeq());
        connection.url = url.toString();
        connection.config.protocols = ['chat.v1', 'bearer.' + nextToken];
        nextToken = null;
    });
    socketHost.addEventListener('htmx:ws:after:connection', (event) => {
        socket = event.detail.connection.socket;
        attempt = 0;
        setState('live');
        showError('');
        scheduleRefresh();
        for (const message of unacknowledged) transmit(message);
    });
    socketHost.addEventListener('htmx:ws:close', (event) => {
        if (event.detail.reason !== 'closed') return;
        clearTimeout(refreshTimer);
        socket = null;
        if (event.detail.code === FORBIDDEN) {
            setState('denied');
            showError('You no longer have access to this room.');
            form.querySelectorAll('textarea, button').forEach((control) => { control.disabled = true; });
        } else if (event.detail.code === UNAUTHORIZED) {
            // Authorization ended (expired, signed out elsewhere, password changed): ask again at once;
            // if the session is gone, the token request answers 401 and we go to the login page.
            attempt = 0;
            connect();
        } else {
            scheduleReconnect();
        }
    });

    // ---- Sending -------------------------------------------------------------------------------------------

    function newClientId() {
        const bytes = crypto.getRandomValues(new Uint8Array(16));
        return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    }

    function transmit(message) {
        if (socket?.readyState === WebSocket.OPEN) {
            socket.send(JSON.stringify({ text: message.text, clientId: message.clientId }));
        }
    }

    function showPending(message) {
        const bubble = document.createElement('article');
        bubble.className = 'message mine pending';
        bubble.dataset.clientId = message.clientId;
        const meta = document.createElement('header');
        meta.className = 'message-meta';
        meta.textContent = 'Sending…';
        const text = document.createElement('p');
        text.className = 'message-text';
        text.textContent = message.text;
        bubble.append(meta, text);
        pending.append(bubble);
        scrollToBottom();
    }

    function acknowledge(clientId) {
        const index = unacknowledged.findIndex((message) => message.clientId === clientId);
        if (index >= 0) unacknowledged.splice(index, 1);
        pending.querySelector(`[data-client-id="${CSS.escape(clientId)}"]`)?.remove();
    }

    form.addEventListener('submit', (event) => {
        event.preventDefault();
        const text = input.value.trim();
        if (text === '') {
            input.focus();
            return;
        }
        const message = { clientId: newClientId(), text };
        unacknowledged.push(message);
        showPending(message);
        transmit(message);
        form.reset();
        fitInput();
        showError('');
        input.focus();
    });

    // Composer: Enter sends, Shift+Enter is a new line, and Enter that confirms an IME composition never sends.
    input.addEventListener('keydown', (event) => {
        if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229) return;
        event.preventDefault();
        form.requestSubmit();
    });
    input.addEventListener('input', fitInput);
    function fitInput() {
        input.style.height = 'auto';
        input.style.height = Math.min(input.scrollHeight + 2, 200) + 'px';
    }

    // ---- Receiving -----------------------------------------------------------------------------------------

    let wasAtBottom = true;
    let countBefore = 0;
    socketHost.addEventListener('htmx:ws:before:message:incoming', (event) => {
        const data = event.detail.message.data;
        if (typeof data === 'string') {
            if (data.startsWith('<div id="chat-resync"')) {
                // Too much was missed to be sent: load the history afresh.
                event.detail.cancelled = true;
                location.reload();
                return;
            }
            const id = /^\s*<article id="(m-\d+)"/.exec(data)?.[1];
            if (id) {
                const clientId = /data-client-id="([0-9a-zA-Z_-]+)"/.exec(data)?.[1];
                if (clientId) acknowledge(clientId);
                if (document.getElementById(id)) {
                    // Already shown: the echo of a message resent after a reconnect.
                    event.detail.cancelled = true;
                    return;
                }
            }
        }
        wasAtBottom = isAtBottom();
        countBefore = messages.querySelectorAll('.message').length;
    });
    socketHost.addEventListener('htmx:ws:after:message:incoming', () => {
        const added = messages.querySelectorAll('.message').length > countBefore;
        if (!added) return;
        document.getElementById('empty-room')?.remove();
        markOwnMessages();
        if (wasAtBottom) scrollToBottom();
        else newMessages.hidden = false;
    });

    function markOwnMessages() {
        for (const message of messages.querySelectorAll('.message:not(.mine)')) {
            if (message.dataset.authorId === room.dataset.userId) message.classList.add('mine');
        }
    }

    // ---- Scrolling -----------------------------------------------------------------------------------------

    function isAtBottom() {
        return messages.scrollHeight - messages.scrollTop - messages.clientHeight < 80;
    }

    function scrollToBottom() {
        messages.scrollTop = messages.scrollHeight;
        newMessages.hidden = true;
    }

    newMessages.addEventListener('click', scrollToBottom);
    messages.addEventListener('scroll', () => { if (isAtBottom()) newMessages.hidden = true; });

    // "Load older" puts messages above the ones being read: keep those where they are on screen.
    let distanceFromBottom = null;
    document.addEventListener('htmx:before:swap', (event) => {
        if (event.target.id === 'load-older') distanceFromBottom = messages.scrollHeight - messages.scrollTop;
    });
    document.addEventListener('htmx:after:swap', () => {
        if (distanceFromBottom === null) return;
        messages.scrollTop = messages.scrollHeight - distanceFromBottom;
        distanceFromBottom = null;
        markOwnMessages();
    });

    document.getElementById('composer-fields').disabled = false;
    markOwnMessages();
    scrollToBottom();
    connect();
})();
