// The "New room" form sits in a <details> so phones show the rooms list first; on wide screens, where the form has
// its own column, it is opened at load so it shows without a click. Without script it stays one click away.
(() => {
    const details = document.getElementById('new-room');
    if (details && window.matchMedia('(min-width: 48.0625rem)').matches) details.open = true;
})();
