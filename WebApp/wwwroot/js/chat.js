// The room's live connection. hx-ws opens the socket and swaps in what the server sends; this file owns the rest:
// - a fresh single-use token before every connect, and a new one sent in-band before it expires (tokens live
//   only in this closure, never in storage);
// - resuming: the room is one numbered stream of events (postings, edits, deletions); every connect says the last
//   event the page applied (?after=), so the server sends what was missed, and the page applies each once;
// - sending: each message gets an id made here and waits, shown as "Sending…", until the server echoes it back;
//   after a reconnect whatever is unacknowledged goes again and the server drops what it already stored;
// - reconnecting with backoff and jitter, and the close codes (4001: authorize again now; 4003: no access, stop);
// - what differs per person, applied here from data attributes because every socket gets the same bytes: your own
//   messages, the messages that mention you, and the actions menu (edit and delete yours; delete any as the owner);
// - inline editing and deleting, the typing line, and telling the server how far you have read;
// - the status badge, the composer's keyboard behaviour, and scrolling.
(() => {
    const room = document.getElementById('room');
    const socketHost = document.getElementById('chat-socket');
    if (!room || !socketHost) return;
    const badge = document.getElementById('connection-status');
    const form = document.getElementById('message-form');
    const input = document.getElementById('message-text');
    const counter = document.getElementById('composer-count');
    const maxChars = Number(input?.dataset.maxChars) || 2000;
    const messages = document.getElementById('messages');
    const pending = document.getElementById('pending');
    const newMessages = document.getElementById('new-messages');
    const errorBox = document.getElementById('chat-error');
    const typingLine = document.getElementById('typing');
    const deleteDialog = document.getElementById('delete-dialog');
    const myId = room.dataset.userId;
    const ownsRoom = room.dataset.roomOwner === 'true';

    // Reconnects are ours, because each one needs a new token first.
    htmx.config.ws = { ...htmx.config.ws, reconnect: false, pauseOnBackground: false };

    // Every text shown here comes from the page, in its language (#chat-text, RoomModel.ScriptTexts).
    const texts = JSON.parse(document.getElementById('chat-text')?.textContent || '{}');
    /** A text with its {0}, {1}… placeholders filled in. */
    const say = (name, ...values) => (texts[name] ?? name).replace(/\{(\d+)\}/g, (whole, i) => String(values[Number(i)] ?? whole));
    /** A text as nodes, its placeholders filled with the given nodes (e.g. names in bidi isolates): never concatenated pieces. */
    const sayNodes = (name, ...nodes) => (texts[name] ?? name).split(/(\{\d+\})/)
        .map((part) => /^\{\d+\}$/.test(part) ? nodes[Number(part.slice(1, -1))] : part).filter((part) => part !== '' && part !== undefined);
    const labels = { connecting: say('connecting'), live: say('live'), reconnecting: say('reconnecting'), offline: say('offline'), denied: say('denied') };
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
    let waitingToRetry = false;
    // The last room event this page has applied: the number the page was rendered at (read before its history),
    // then every posting's data-seq and every change's data-event-seq that arrives.
    let lastEventSeq = Number(room.dataset.eventSeq) || 0;

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
        waitingToRetry = false;
        if (retryNow) retryNow.hidden = true;
        setState(attempt === 0 ? 'connecting' : 'reconnecting');
        try {
            nextToken = await fetchToken();
        } catch {
            scheduleReconnect();
            return;
        }
        if (nextToken) socketHost.dispatchEvent(new CustomEvent('chat-connect'));
    }

    // Backoff doubles from 0.5 s up to 10 s (±30 % jitter, so a restarted server is not hit by every page at once);
    // "Retry now" skips the wait.
    const MAX_BACKOFF_MS = 10000;
    const retryNow = document.getElementById('retry-now');

    function scheduleReconnect() {
        attempt++;
        const base = Math.min(500 * 2 ** (attempt - 1), MAX_BACKOFF_MS);
        const delay = Math.min(base * (0.7 + Math.random() * 0.6), MAX_BACKOFF_MS);
        setState('reconnecting');
        waitingToRetry = true;
        if (retryNow) retryNow.hidden = false;
        retryTimer = setTimeout(connect, delay);
    }

    function reconnectNow() {
        if (!waitingToRetry) return;
        attempt = 0;
        connect();
    }

    // Back from a network outage, or back to a tab that was hidden: try now rather than after a backoff that grew
    // meanwhile.
    window.addEventListener('online', reconnectNow);
    document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') reconnectNow(); });
    retryNow?.addEventListener('click', () => {
        reconnectNow();
        input.focus();
    });

    socketHost.addEventListener('htmx:ws:before:connection', (event) => {
        if (!nextToken) {
            event.preventDefault();
            return;
        }
        const connection = event.detail.connection;
        const url = new URL(connection.url);
        url.searchParams.set('after', String(lastEventSeq));
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
        // Report once per connection, so opening a room whose newest message is on screen marks it read.
        lastReportedSeq = 0;
        reportReadSoon();
    });
    socketHost.addEventListener('htmx:ws:close', (event) => {
        if (event.detail.reason !== 'closed') return;
        clearTimeout(refreshTimer);
        socket = null;
        // An edit sent on the old socket may or may not have been stored: let the person save again.
        editFailed();
        if (event.detail.code === FORBIDDEN) {
            setState('denied');
            showError(say('noAccess'));
            form.querySelectorAll('textarea, button').forEach((control) => { control.disabled = true; });
            stopEditing(false);
            for (const button of messages.querySelectorAll('.message-actions')) button.remove();
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

    function isOpen() {
        return socket?.readyState === WebSocket.OPEN;
    }

    // Sending is paced by the server's own budget (a token bucket: data-rate-per-second, data-rate-burst, a little
    // under), so a burst of Enters goes out in order and is not refused; what is refused anyway goes again.
    const ratePerSecond = (Number(room.dataset.ratePerSecond) || 10) * 0.9;
    const rateBurst = Math.max(1, (Number(room.dataset.rateBurst) || 20) - 1);
    let sendTokens = rateBurst;
    let tokensAt = performance.now();
    const sendQueue = [];
    let pumpTimer = null;

    function transmit(message) {
        if (!sendQueue.includes(message)) sendQueue.push(message);
        pump();
    }

    function pump() {
        clearTimeout(pumpTimer);
        const now = performance.now();
        sendTokens = Math.min(rateBurst, sendTokens + (now - tokensAt) / 1000 * ratePerSecond);
        tokensAt = now;
        while (sendQueue.length > 0 && isOpen()) {
            const message = sendQueue[0];
            if (!unacknowledged.includes(message)) { sendQueue.shift(); continue; }
            if (sendTokens < 1) {
                pumpTimer = setTimeout(pump, (1 - sendTokens) / ratePerSecond * 1000 + 5);
                return;
            }
            sendTokens -= 1;
            sendQueue.shift();
            socket.send(JSON.stringify({ text: message.text, clientId: message.clientId }));
        }
        // Closed: the queue waits; a new connection sends every unacknowledged message again, in order.
        if (!isOpen()) sendQueue.length = 0;
    }

    /** The message id the server knows (article id "m-42" is message 42). */
    function messageNumber(article) {
        return Number(article.id.slice(2));
    }

    function showPending(message) {
        const bubble = document.createElement('article');
        bubble.className = 'message mine pending';
        bubble.dataset.clientId = message.clientId;
        const meta = document.createElement('header');
        meta.className = 'message-meta';
        meta.textContent = say('sending');
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
        savePending();
    }

    // ---- Nothing typed is lost -----------------------------------------------------------------------------
    // Unacknowledged messages and the composer's draft are kept in this browser's storage per person and room, so
    // a reload or a visit to another room loses neither; signing out clears them (js/sign-out.js). A message
    // refused for the rate limit goes again by itself; one refused for what it says is shown as not sent, with
    // the reason, and can be edited or sent again.
    const storageKey = (kind) => `chat.${kind}:${myId}:${socketHost.getAttribute('hx-ws:connect')}`;

    function savePending() {
        try {
            if (unacknowledged.length === 0) localStorage.removeItem(storageKey('pending'));
            else localStorage.setItem(storageKey('pending'), JSON.stringify(unacknowledged));
        } catch { /* storage full or off: the page still holds them */ }
    }

    let draftTimer = null;
    function saveDraftSoon() {
        clearTimeout(draftTimer);
        draftTimer = setTimeout(() => {
            try {
                if (input.value === '') localStorage.removeItem(storageKey('draft'));
                else localStorage.setItem(storageKey('draft'), input.value);
            } catch { /* as above */ }
        }, 300);
    }

    function restoreFromStorage() {
        try {
            const kept = JSON.parse(localStorage.getItem(storageKey('pending')) || '[]');
            for (const message of kept) {
                if (typeof message?.clientId !== 'string' || typeof message?.text !== 'string') continue;
                unacknowledged.push({ clientId: message.clientId, text: message.text });
                showPending(message);
            }
            const draft = localStorage.getItem(storageKey('draft'));
            if (draft && input.value === '') input.value = draft;
        } catch { /* nothing usable kept */ }
    }

    let rateRetryTimer = null;
    /** An error frame about one of our messages: what to do with it. Returns true when the page handles it quietly. */
    function messageRefused(clientId, reason, text) {
        const message = unacknowledged.find((m) => m.clientId === clientId);
        const bubble = pending.querySelector(`[data-client-id="${CSS.escape(clientId)}"]`);
        if (!message || !bubble) return false;
        if (reason === 'rate') {
            // Over the budget: wait a moment and send everything still waiting, in order.
            bubble.querySelector('.message-meta').textContent = say('sendingRate');
            clearTimeout(rateRetryTimer);
            rateRetryTimer = setTimeout(() => { for (const waiting of unacknowledged) transmit(waiting); }, 1100);
            return true;
        }
        // Sending it again as it is would not help (or the server failed): show why, and offer a way on.
        unacknowledged.splice(unacknowledged.indexOf(message), 1);
        savePending();
        bubble.classList.add('failed');
        const meta = bubble.querySelector('.message-meta');
        meta.textContent = say('notSent', text) + ' ';
        const retry = document.createElement('button');
        retry.type = 'button';
        retry.className = 'btn btn-link btn-sm retry-message';
        retry.textContent = reason === 'failed' ? say('sendAgain') : say('edit');
        retry.addEventListener('click', () => {
            bubble.remove();
            if (reason === 'failed') {
                unacknowledged.push(message);
                savePending();
                showPending(message);
                transmit(message);
            } else {
                input.value = message.text;
                fitInput();
                saveDraftSoon();
                input.focus();
            }
        });
        meta.append(retry);
        return false;
    }

    form.addEventListener('submit', (event) => {
        event.preventDefault();
        const text = input.value.trim();
        if (text === '') {
            input.focus();
            return;
        }
        if (text.length > maxChars) {
            // Refused here, whole: nothing is cut and the text stays for the person to shorten.
            showError(say('tooLong', maxChars, text.length));
            input.focus();
            return;
        }
        const message = { clientId: newClientId(), text };
        unacknowledged.push(message);
        savePending();
        showPending(message);
        transmit(message);
        form.reset();
        saveDraftSoon();
        fitInput();
        showError('');
        input.focus();
    });

    const coarsePointer = window.matchMedia('(pointer: coarse)');
    // Composer: Enter sends, Shift+Enter is a new line, and Enter that confirms an IME composition never sends.
    // Up arrow in an empty composer edits your last message, as in other chats.
    input.addEventListener('keydown', (event) => {
        if (event.isComposing || event.keyCode === 229) return;
        if (event.key === 'ArrowUp' && input.value === '' && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey) {
            const last = lastEditableMessage();
            if (!last) return;
            event.preventDefault();
            startEditing(last, null);
            return;
        }
        if (event.key !== 'Enter' || event.shiftKey) return;
        // On touch screens Enter is the on-screen keyboard's return key: it makes a new line and Send sends.
        if (coarsePointer.matches) return;
        event.preventDefault();
        form.requestSubmit();
    });
    input.addEventListener('input', () => {
        fitInput();
        signalTyping();
        saveDraftSoon();
    });
    function fitInput() {
        input.style.height = 'auto';
        input.style.height = Math.min(input.scrollHeight + 2, 200) + 'px';
        updateCounter();
    }

    // The length counter: shown from 90 % of the limit, "N over" past it (the server's limit, from the page).
    function updateCounter() {
        if (!counter) return;
        const length = input.value.trim().length;
        counter.hidden = length < maxChars * 0.9;
        counter.dataset.over = String(length > maxChars);
        // Empty while hidden: it is part of the composer's description, which includes hidden text it points to.
        counter.textContent = counter.hidden ? ''
            : length > maxChars ? say('charsOver', length - maxChars, maxChars)
            : say('charsLeft', maxChars - length);
    }

    // ---- Receiving -----------------------------------------------------------------------------------------

    // Read without running or loading anything (a template's content is inert), to decide what a frame is.
    function parseFrame(data) {
        const template = document.createElement('template');
        template.innerHTML = data;
        return template.content.firstElementChild;
    }

    function noteEventSeq(frame) {
        const seq = Math.max(Number(frame.dataset.seq) || 0, Number(frame.dataset.eventSeq) || 0);
        if (seq > lastEventSeq) lastEventSeq = seq;
    }

    let wasAtBottom = true;
    let countBefore = 0;
    let focusWasIn = null; // the id of a message the focus was inside when a change replaced it
    socketHost.addEventListener('htmx:ws:before:message:incoming', (event) => {
        const data = event.detail.message.data;
        const frame = typeof data === 'string' ? parseFrame(data) : null;
        if (frame?.id === 'chat-resync') {
            // Too much was missed to be sent: load the history afresh.
            event.detail.cancelled = true;
            location.reload();
            return;
        }
        if (frame?.classList.contains('typing-event')) {
            // Ephemeral: shown in the typing line, never swapped in.
            event.detail.cancelled = true;
            someoneIsTyping(frame.dataset.userId, frame.dataset.name);
            return;
        }
        if (frame?.classList.contains('author-renamed')) {
            // Someone changed their display name: not stored, nothing to swap in; their messages here show it now.
            event.detail.cancelled = true;
            authorRenamed(frame.dataset.userId, frame.dataset.name);
            return;
        }
        if (frame?.classList.contains('presence-change')) {
            // Who came and went since the list this page was last sent: applied to #presence, never swapped in.
            event.detail.cancelled = true;
            presenceChanged(frame);
            return;
        }
        if (frame?.id === 'chat-error') {
            editFailed();
            if (frame.dataset.clientId && messageRefused(frame.dataset.clientId, frame.dataset.reason, frame.textContent)) {
                event.detail.cancelled = true;
                return;
            }
        }
        if (frame?.tagName === 'ARTICLE' && /^m-\d+$/.test(frame.id)) {
            const shown = document.getElementById(frame.id);
            if (frame.hasAttribute('hx-swap-oob')) {
                // An edit or deletion: it changes a message on this page, or, for one older than the page holds,
                // nothing (htmx would append it to the list instead).
                if (!shown) event.detail.cancelled = true;
                else focusWasIn = shown.contains(document.activeElement) ? frame.id : null;
            } else {
                if (frame.dataset.clientId) acknowledge(frame.dataset.clientId);
                stoppedTyping(frame.dataset.authorId);
                // Already shown: the echo of a message resent after a reconnect, or one the history already held.
                if (shown) event.detail.cancelled = true;
            }
            noteEventSeq(frame);
            if (event.detail.cancelled) {
                reportReadSoon();
                return;
            }
        }
        wasAtBottom = isAtBottom();
        countBefore = messages.querySelectorAll('.message').length;
    });
    socketHost.addEventListener('htmx:ws:after:message:incoming', () => {
        const added = messages.querySelectorAll('.message').length > countBefore;
        if (added) document.getElementById('empty-room')?.remove();
        // Postings carry no data-event-seq (edits and deletions do): those are what arrived.
        for (const message of decorateMessages()) if (!message.dataset.eventSeq) noteArrival(message);
        afterMessagesReplaced();
        if (wasAtBottom) scrollToBottom();
        else if (added) newMessages.hidden = false;
        reportReadSoon();
    });

    // The server's order (the presence store sorts case-insensitively, culture-aware): the same collation here.
    const presenceOrder = new Intl.Collator(undefined, { sensitivity: 'accent' });

    // Applies a presence change: the new count, the names that left removed, those that joined added in order.
    // Idempotent (a name already shown is not added again, one not shown is not removed), and names are only ever
    // element text.
    function presenceChanged(change) {
        const presence = document.getElementById('presence');
        if (!presence) return;
        const count = presence.querySelector('.presence-count');
        const newCount = change.querySelector('.presence-count');
        if (count && newCount) count.textContent = newCount.textContent;
        let list = presence.querySelector('.presence-names');
        if (!list) {
            list = document.createElement('ul');
            list.className = 'presence-names';
            presence.append(list);
        }
        const shown = new Map();
        for (const name of list.querySelectorAll('.presence-name')) shown.set(name.textContent, name.closest('li'));
        for (const left of change.querySelectorAll('.presence-left')) {
            shown.get(left.textContent)?.remove();
            shown.delete(left.textContent);
        }
        for (const joined of change.querySelectorAll('.presence-joined')) {
            const name = joined.textContent;
            if (shown.has(name)) continue;
            const item = document.createElement('li');
            const bdi = document.createElement('bdi');
            bdi.className = 'presence-name';
            bdi.textContent = name;
            item.append(bdi);
            const next = [...list.children].find(li => presenceOrder.compare(li.textContent, name) > 0);
            list.insertBefore(item, next ?? null);
            shown.set(name, item);
        }
    }

    function authorRenamed(userId, name) {
        if (!userId || !name) return;
        document.dispatchEvent(new CustomEvent('chat:author-renamed', { detail: { userId } }));
        for (const message of messages.querySelectorAll(`.message[data-author-id="${CSS.escape(userId)}"]`)) {
            const author = message.querySelector('.message-author');
            if (author) author.textContent = name;
        }
        const typist = typists.get(userId);
        if (typist) typist.name = name;
    }

    // A change replaced a message the person was working with: keep their place.
    function afterMessagesReplaced() {
        if (openMenu && !openMenu.menu.isConnected) openMenu = null;
        if (editor && !editor.box.isConnected) {
            // Saved (or changed elsewhere): back to where the editing started.
            const back = editor.returnTo;
            editor = null;
            if (!document.activeElement || document.activeElement === document.body) focusAfterChange(back);
        }
        if (focusWasIn) {
            const id = focusWasIn;
            focusWasIn = null;
            if (!document.activeElement || document.activeElement === document.body) focusAfterChange(id);
        }
    }

    function focusAfterChange(messageId) {
        const button = messageId && document.getElementById(messageId)?.querySelector('.message-actions');
        (button || input).focus();
    }

    // ---- What is yours: own messages, mentions of you, the actions you may take --------------------------

    const decorated = new WeakSet();

    function isDeleted(message) {
        return message.classList.contains('deleted') || message.dataset.deleted === 'true';
    }

    // ---- Days and groups: the rules _Messages.cshtml applies to the history it renders ----------------------

    const messageList = document.getElementById('message-list');
    const groupingWindowMs = 5 * 60 * 1000; // RoomFrames.GroupingWindow
    const sentAt = (message) => new Date(message.querySelector('.message-meta time')?.dateTime ?? NaN);
    const dayOf = (message) => sentAt(message).toDateString();

    // A heading above each day's first message, none between two of the same day (a "load older" stretch ends
    // with the day the list started with), and consecutive messages of one author within the window grouped.
    // The server already arranged what it rendered, so on a fresh page this changes nothing.
    function arrangeHistory() {
        let previous = null;
        let headed = false;
        let divided = false;
        for (const element of [...messageList.children]) {
            if (element.classList.contains('day-separator')) {
                let following = element.nextElementSibling;
                while (following && !following.classList.contains('message')) following = following.nextElementSibling;
                if (headed || !following || (previous && dayOf(previous) === dayOf(following))) element.remove();
                else headed = true;
                continue;
            }
            if (element.id === 'unread-divider') { divided = true; continue; }
            if (!element.classList.contains('message')) continue;
            const sameDay = previous !== null && dayOf(previous) === dayOf(element);
            if (!sameDay && !headed) element.before(dayHeading(element));
            const continued = sameDay && !divided && previous.dataset.authorId === element.dataset.authorId
                && sentAt(element) - sentAt(previous) < groupingWindowMs;
            if (element.classList.contains('continued') !== continued) element.classList.toggle('continued', continued);
            previous = element;
            headed = false;
            divided = false;
        }
    }

    function dayHeading(message) {
        const heading = document.createElement('h2');
        heading.className = 'day-separator';
        const time = document.createElement('time');
        time.dateTime = sentAt(message).toISOString();
        time.dataset.format = 'day'; // local-time.js words it
        heading.append(time);
        return heading;
    }

    /** Marks what is yours on messages not seen before, and returns those. */
    function decorateMessages() {
        arrangeHistory();
        const mentionOfMe = `.mention[data-user-id="${CSS.escape(myId)}"]`;
        const fresh = [];
        for (const message of messages.querySelectorAll('.message')) {
            if (decorated.has(message)) continue;
            decorated.add(message);
            fresh.push(message);
            const mine = message.dataset.authorId === myId;
            if (mine) message.classList.add('mine');
            if (message.querySelector(mentionOfMe)) message.classList.add('mention-me');
            if (!isDeleted(message) && (mine || ownsRoom) && state !== 'denied') addActionsButton(message);
        }
        return fresh;
    }

    // ---- While the tab is hidden: a count in its title, and a notification when someone mentions you --------

    const baseTitle = document.title;
    const roomName = document.querySelector('#room-title .room-title-text')?.textContent ?? '';
    const notifyButton = document.getElementById('notify-mentions');
    let unseen = 0;

    function noteArrival(message) {
        if (document.visibilityState === 'visible' || message.dataset.authorId === myId) return;
        unseen++;
        document.title = `(${unseen}) ${baseTitle}`;
        if (message.classList.contains('mention-me')) notifyMention(message);
    }

    document.addEventListener('visibilitychange', () => {
        if (document.visibilityState !== 'visible') return;
        unseen = 0;
        document.title = baseTitle;
    });

    function notifyMention(message) {
        if (!('Notification' in window) || Notification.permission !== 'granted') return;
        const author = message.querySelector('.message-author')?.textContent ?? '';
        const text = message.querySelector('.message-text')?.textContent ?? '';
        const notification = new Notification(say('mentioned', author, roomName), { body: text.slice(0, 200), tag: message.id });
        notification.addEventListener('click', () => {
            window.focus();
            message.scrollIntoView({ block: 'center' });
            notification.close();
        });
    }

    // Asked only when the person chooses to (browsers ignore requests without a click), and offered until answered.
    if (notifyButton && 'Notification' in window && Notification.permission === 'default') notifyButton.hidden = false;
    notifyButton?.addEventListener('click', async () => {
        await Notification.requestPermission();
        notifyButton.hidden = true;
        input.focus();
    });

    function addActionsButton(message) {
        const meta = message.querySelector('.message-meta');
        if (!meta) return;
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'message-actions';
        button.setAttribute('aria-label', say('messageActions'));
        button.setAttribute('aria-haspopup', 'menu');
        button.setAttribute('aria-expanded', 'false');
        button.textContent = '⋯';
        meta.append(button);
    }

    function lastEditableMessage() {
        const mine = messages.querySelectorAll('.message.mine:not(.deleted):not([data-deleted="true"])');
        for (let i = mine.length - 1; i >= 0; i--) {
            if (mine[i].querySelector('.message-text')) return mine[i];
        }
        return null;
    }

    // ---- Actions menu (WAI-ARIA menu button: Enter, Space or ↓ opens, arrows move, Escape closes) ----------

    let openMenu = null; // { menu, button }

    messages.addEventListener('click', (event) => {
        const button = event.target.closest('.message-actions');
        if (!button) return;
        if (openMenu?.button === button) closeMenu(true);
        else showMenu(button, 'first');
    });
    messages.addEventListener('keydown', (event) => {
        const button = event.target.closest?.('.message-actions');
        if (!button || (event.key !== 'ArrowDown' && event.key !== 'ArrowUp')) return;
        event.preventDefault();
        showMenu(button, event.key === 'ArrowUp' ? 'last' : 'first');
    });

    function showMenu(button, focus) {
        closeMenu(false);
        const message = button.closest('.message');
        const menu = document.createElement('div');
        menu.id = 'message-menu';
        menu.className = 'message-menu';
        menu.setAttribute('role', 'menu');
        menu.setAttribute('aria-label', say('messageActions'));
        if (message.dataset.authorId === myId) menu.append(menuItem(say('edit'), 'edit', () => startEditing(message, button)));
        menu.append(menuItem(say('delete'), 'delete', () => confirmDelete(message, button)));
        button.after(menu);
        // Below the list's end nothing scrolls into view (the list grows upwards from there): near the bottom the
        // menu opens upwards.
        if (menu.getBoundingClientRect().bottom > messages.getBoundingClientRect().bottom) menu.classList.add('opens-up');
        button.setAttribute('aria-expanded', 'true');
        button.setAttribute('aria-controls', menu.id);
        openMenu = { menu, button };
        const items = menu.querySelectorAll('[role="menuitem"]');
        items[focus === 'last' ? items.length - 1 : 0].focus();
        menu.scrollIntoView({ block: 'nearest' });
    }

    function menuItem(label, action, run) {
        const item = document.createElement('button');
        item.type = 'button';
        item.className = 'message-menu-item';
        item.setAttribute('role', 'menuitem');
        item.tabIndex = -1;
        item.dataset.action = action;
        item.textContent = label;
        item.addEventListener('click', () => {
            closeMenu(false);
            run();
        });
        item.addEventListener('keydown', (event) => {
            const items = [...item.parentElement.querySelectorAll('[role="menuitem"]')];
            const at = items.indexOf(item);
            const moves = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 };
            if (event.key in moves) {
                event.preventDefault();
                items[(moves[event.key] + items.length) % items.length].focus();
            } else if (event.key === 'Escape' || event.key === 'Tab') {
                event.preventDefault();
                event.stopPropagation();
                closeMenu(true);
            }
        });
        return item;
    }

    function closeMenu(returnFocus) {
        if (!openMenu) return;
        const { menu, button } = openMenu;
        openMenu = null;
        menu.remove();
        button.setAttribute('aria-expanded', 'false');
        button.removeAttribute('aria-controls');
        if (returnFocus && button.isConnected) button.focus();
    }

    document.addEventListener('pointerdown', (event) => {
        if (openMenu && !openMenu.menu.contains(event.target) && !openMenu.button.contains(event.target)) closeMenu(false);
    });
    document.addEventListener('focusin', (event) => {
        if (openMenu && !openMenu.menu.contains(event.target) && openMenu.button !== event.target) closeMenu(false);
    });

    // ---- Editing in place ----------------------------------------------------------------------------------

    let editor = null; // { message, text, box, field, original, saving, returnTo: message id to go back to, or null for the composer }

    function startEditing(message, fromButton) {
        stopEditing(false);
        const text = message.querySelector('.message-text');
        if (!text || isDeleted(message)) return;
        const box = document.createElement('div');
        box.className = 'message-editor';
        const field = document.createElement('textarea');
        field.className = 'message-edit-text';
        field.id = 'edit-' + message.id;
        field.dir = 'auto';
        field.rows = 2;
        field.setAttribute('aria-label', say('editMessage'));
        field.setAttribute('aria-describedby', 'edit-hint-' + message.id);
        field.value = text.textContent;
        const hint = document.createElement('p');
        hint.id = 'edit-hint-' + message.id;
        hint.className = 'message-edit-hint';
        hint.textContent = say('editHint');
        const save = document.createElement('button');
        save.type = 'button';
        save.className = 'btn btn-sm btn-primary message-edit-save';
        save.textContent = say('save');
        save.addEventListener('click', saveEdit);
        const cancel = document.createElement('button');
        cancel.type = 'button';
        cancel.className = 'btn btn-sm btn-outline-secondary message-edit-cancel';
        cancel.textContent = say('cancel');
        cancel.addEventListener('click', () => stopEditing(true));
        const actions = document.createElement('div');
        actions.className = 'message-edit-actions';
        actions.append(cancel, save);
        box.append(field, hint, actions);
        text.hidden = true;
        text.after(box);
        editor = { message, text, box, field, original: text.textContent, saving: false, returnTo: fromButton ? message.id : null };

        // Enter saves, Shift+Enter is a new line, Escape cancels; keys that belong to an IME composition do neither.
        field.addEventListener('keydown', (event) => {
            if (event.isComposing || event.keyCode === 229) return;
            if (event.key === 'Escape') {
                event.preventDefault();
                stopEditing(true);
            } else if (event.key === 'Enter' && !event.shiftKey) {
                event.preventDefault();
                saveEdit();
            }
        });
        field.focus();
        field.setSelectionRange(field.value.length, field.value.length);
        box.scrollIntoView({ block: 'nearest' });
    }

    function saveEdit() {
        if (!editor || editor.saving) return;
        const text = editor.field.value.trim();
        if (text === editor.original.trim()) {
            stopEditing(true);
            return;
        }
        if (text === '') {
            showError('A message needs some text; to remove it, choose Delete.');
            return;
        }
        if (!isOpen()) {
            showError(say('editOffline'));
            return;
        }
        showError('');
        editor.saving = true;
        editor.field.readOnly = true;
        editor.box.setAttribute('aria-busy', 'true');
        // The server answers with the message re-rendered (hx-swap-oob), which replaces this editor.
        socket.send(JSON.stringify({ type: 'edit', id: messageNumber(editor.message), text }));
    }

    // The server refused the edit (its reason is in the error line) or the socket closed: let the person try again.
    function editFailed() {
        if (!editor?.saving) return;
        editor.saving = false;
        editor.field.readOnly = false;
        editor.box.removeAttribute('aria-busy');
    }

    function stopEditing(returnFocus) {
        if (!editor) return;
        const { text, box, returnTo } = editor;
        editor = null;
        box.remove();
        text.hidden = false;
        if (returnFocus) focusAfterChange(returnTo);
    }

    // ---- Deleting ------------------------------------------------------------------------------------------

    let pendingDelete = null; // the id of the message the dialog asks about

    function confirmDelete(message, button) {
        if (!deleteDialog) return;
        pendingDelete = message.id;
        // The dialog gives the focus back to whatever had it when it opened.
        button.focus();
        deleteDialog.returnValue = '';
        deleteDialog.showModal();
    }

    deleteDialog?.addEventListener('close', () => {
        const id = pendingDelete;
        pendingDelete = null;
        if (!id || deleteDialog.returnValue !== 'delete') return;
        const message = document.getElementById(id);
        if (!message || isDeleted(message)) return;
        if (!isOpen()) {
            showError(say('deleteOffline'));
            return;
        }
        showError('');
        socket.send(JSON.stringify({ type: 'delete', id: messageNumber(message) }));
    });

    // ---- Typing --------------------------------------------------------------------------------------------

    const TYPING_SIGNAL_EVERY_MS = 3000; // the server drops extras within 3 s anyway
    const TYPING_SHOWN_MS = 5000;        // a little longer than the signal interval, so a steady typist never flickers
    let lastTypingSignal = -Infinity;

    function signalTyping() {
        if (input.value.trim() === '' || !isOpen()) return;
        const now = performance.now();
        if (now - lastTypingSignal < TYPING_SIGNAL_EVERY_MS) return;
        lastTypingSignal = now;
        socket.send(JSON.stringify({ type: 'typing' }));
    }

    const typists = new Map(); // user id -> { name, until }, in the order they started
    let typingTimer = null;
    let typingShown = '';

    function someoneIsTyping(userId, name) {
        // Every socket gets the same frame, the typist's own too.
        if (!userId || userId === myId) return;
        const previous = typists.get(userId);
        if (previous) typists.delete(userId);
        typists.set(userId, { name: name || say('someone'), until: performance.now() + TYPING_SHOWN_MS });
        showTypists();
    }

    function stoppedTyping(userId) {
        if (userId && typists.delete(userId)) showTypists();
    }

    function showTypists() {
        clearTimeout(typingTimer);
        const now = performance.now();
        for (const [userId, typist] of typists) {
            if (typist.until <= now) typists.delete(userId);
        }
        const names = [...typists.values()].map((typist) => typist.name);
        const key = names.length > 2 ? 'several' : names.join('\n');
        // Only a different line is written, so screen readers are not told the same thing again.
        if (key !== typingShown) {
            typingShown = key;
            const parts = names.length === 1 ? sayNodes('typingOne', isolate(names[0]))
                : names.length === 2 ? sayNodes('typingTwo', isolate(names[0]), isolate(names[1]))
                : names.length > 2 ? [say('typingSeveral')]
                : [];
            typingLine.replaceChildren(...parts);
        }
        if (typists.size) {
            const next = Math.min(...[...typists.values()].map((typist) => typist.until));
            typingTimer = setTimeout(showTypists, next - now);
        }
    }

    // Each name in its own bidi isolate, so a right-to-left name cannot reorder the words around it.
    function isolate(name) {
        const bdi = document.createElement('bdi');
        bdi.textContent = name;
        return bdi;
    }

    // ---- Read marker ---------------------------------------------------------------------------------------

    // The server keeps the highest event number a person's pages reported shown: report what is on screen, at
    // most once a second, only while the tab is visible and the newest message is in view.
    const READ_REPORT_EVERY_MS = 1000;
    let lastReportedSeq = 0;
    let lastReportAt = -Infinity;
    let readTimer = null;

    function reportReadSoon() {
        if (readTimer !== null) return;
        const wait = Math.max(0, lastReportAt + READ_REPORT_EVERY_MS - performance.now());
        readTimer = setTimeout(() => {
            readTimer = null;
            reportRead();
        }, wait);
    }

    function reportRead() {
        if (!isOpen() || document.visibilityState !== 'visible' || !isAtBottom()) return;
        if (lastEventSeq <= lastReportedSeq) return;
        lastReportedSeq = lastEventSeq;
        lastReportAt = performance.now();
        socket.send(JSON.stringify({ type: 'read', seq: lastEventSeq }));
    }

    document.addEventListener('visibilitychange', reportReadSoon);

    // ---- Scrolling -----------------------------------------------------------------------------------------

    // #messages is a column-reverse scroller (it opens at the newest message before this script runs): its
    // scrollTop is 0 at the bottom and negative above it, and the browser keeps what is on screen in place when
    // messages are added below (someone reading older ones) or above (load older).
    function isAtBottom() {
        return -messages.scrollTop < 80;
    }

    function scrollToBottom() {
        messages.scrollTop = 0;
        newMessages.hidden = true;
    }

    newMessages.addEventListener('click', scrollToBottom);
    messages.addEventListener('scroll', () => {
        if (!isAtBottom()) return;
        newMessages.hidden = true;
        reportReadSoon();
    });

    // "Load older" puts messages above the ones being read (the scroller keeps those in place): give them actions.
    // While it loads the log is busy, so screen readers do not read out a page of old messages as if they were new.
    // (The link is swapped out of the page by its own answer, so the swap itself ends the busy state: the first
    // change to the list, or at the latest a few seconds, should the request fail.)
    let busyUntilSwap = null;
    const endBusy = () => {
        messages.removeAttribute('aria-busy');
        busyUntilSwap?.disconnect();
        busyUntilSwap = null;
    };
    document.addEventListener('htmx:before:request', (event) => {
        if (event.target.id !== 'load-older') return;
        messages.setAttribute('aria-busy', 'true');
        busyUntilSwap?.disconnect();
        busyUntilSwap = new MutationObserver(endBusy);
        busyUntilSwap.observe(messageList, { childList: true });
        setTimeout(endBusy, 10_000);
    });
    document.addEventListener('htmx:after:swap', (event) => {
        if (event.target.id === 'load-older' || event.target.closest?.('#messages')) decorateMessages();
    });

    // The page opens at the newest message; someone back in a room has a link up to where they stopped reading,
    // shown until the divider has been on screen.
    const firstUnread = document.getElementById('first-unread');
    function dividerSeen() {
        const divider = document.getElementById('unread-divider');
        return !divider || divider.getBoundingClientRect().top < messages.getBoundingClientRect().bottom;
    }
    function updateFirstUnread() {
        if (firstUnread && !firstUnread.hidden && dividerSeen()) firstUnread.hidden = true;
    }
    firstUnread?.addEventListener('click', (event) => {
        event.preventDefault();
        const divider = document.getElementById('unread-divider');
        if (divider) messages.scrollTop += divider.getBoundingClientRect().top - messages.getBoundingClientRect().top - 8;
        firstUnread.hidden = true;
        messages.focus();
    });
    messages.addEventListener('scroll', updateFirstUnread, { passive: true });

    document.getElementById('send').disabled = false;
    decorateMessages();
    restoreFromStorage();
    fitInput();
    updateFirstUnread();
    connect();
})();
