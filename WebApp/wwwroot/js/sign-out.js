// Signing out forgets what the room pages kept in this browser for the person (unsent messages, drafts: keys
// "chat.*" written by js/chat.js), so the next person on this browser finds none of it.
(() => {
    document.getElementById('logout-form')?.addEventListener('submit', () => {
        try {
            for (const key of Object.keys(localStorage)) {
                if (key.startsWith('chat.')) localStorage.removeItem(key);
            }
        } catch { /* storage off: nothing was kept */ }
    });
})();
