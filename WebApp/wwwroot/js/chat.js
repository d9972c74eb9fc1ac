// The room's live connection. hx-ws opens the socket and swaps in the message fragments; this file owns
// what it cannot: a fresh single-use token before every connect and before the current one expires (tokens
// live only in this closure, never in storage), reconnecting with backoff and jitter, the close codes
// (4001: authorize again now; 4003: no access, stop), the status badge, and the composer's keyboard behaviour.
(() => {
    const room = document.getElementById('room');
    if (!room) return;
    const socketHost = document.getElementById('chat-socket');
    const badge = document.getElementById('connection-status');
    const form = document.getElementById('message-form');
    const input = document.getElementById('message-text');
    const messages = document.getElementById('messages');
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

    function setState(next) {
        state = next;
        badge.dataset.state = next;
        badge.textContent = labels[next];
    }

    function showError(text) {
        errorBox.textContent = text;
    }

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

    socketHost.addEventListener('htmx:ws:before:connection', (event) => {
        if (!nextToken) {
            event.preventDefault();
            return;
        }
        event.detail.connection.config.protocols = ['chat.v1', 'bearer.' + nextToken];
        nextToken = null;
    });
    socketHost.addEventListener('htmx:ws:after:connection', (event) => {
        socket = event.detail.connection.socket;
        attempt = 0;
        setState('live');
        showError('');
        scheduleRefresh();
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

    // Registered before htmx's own submit listener, so nothing is sent while there is no socket to take it.
    form.addEventListener('submit', (event) => {
        if (input.value.trim() === '') {
            event.preventDefault();
            event.stopImmediatePropagation();
            input.focus();
        } else if (state !== 'live') {
            event.preventDefault();
            event.stopImmediatePropagation();
            showError('Not connected right now. Your message is kept here; send it again once the badge says Live.');
        }
    });
    socketHost.addEventListener('htmx:ws:after:message:outgoing', () => {
        form.reset();
        fitInput();
        showError('');
        input.focus();
    });

    let wasAtBottom = true;
    socketHost.addEventListener('htmx:ws:before:message:incoming', () => {
        wasAtBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 80;
    });
    socketHost.addEventListener('htmx:ws:after:message:incoming', () => {
        document.getElementById('empty-room')?.remove();
        markOwnMessages();
        if (wasAtBottom) messages.scrollTop = messages.scrollHeight;
    });

    function markOwnMessages() {
        for (const message of messages.querySelectorAll('.message:not(.mine)')) {
            if (message.dataset.authorId === room.dataset.userId) message.classList.add('mine');
        }
    }

    markOwnMessages();
    messages.scrollTop = messages.scrollHeight;
    connect();
})();
