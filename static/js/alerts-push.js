/* Turns web push on or off for this browser on the Alert channels page: registers the service worker
   (alerts-sw.js), subscribes with the server's VAPID public key and stores the subscription with the
   page's endpoint (or removes it). */
(function () {
  const enable = document.getElementById("push-enable");
  const disable = document.getElementById("push-disable");
  const status = document.getElementById("push-status");
  if (!enable) return;
  const csrf = () => (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  const say = (text) => { status.textContent = text; };

  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    enable.disabled = true;
    say("This browser cannot receive web push.");
    return;
  }

  function applicationServerKey(base64url) {
    const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
    }).then((response) => response.json().then((answer) => {
      if (!response.ok) throw new Error(answer.error || "The server refused it.");
      return answer;
    }));
  }

  const registration = navigator.serviceWorker.register(enable.dataset.worker);

  registration.then((reg) => reg.pushManager.getSubscription()).then((subscription) => {
    enable.hidden = Boolean(subscription);
    disable.hidden = !subscription;
  });

  enable.addEventListener("click", () => {
    say("Asking for permission…");
    registration
      .then((reg) => reg.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: applicationServerKey(enable.dataset.key),
      }))
      .then((subscription) => post(enable.dataset.subscribe, subscription.toJSON()))
      .then(() => { say("On for this browser."); enable.hidden = true; disable.hidden = false; })
      .catch((error) => say(error.message));
  });

  disable.addEventListener("click", () => {
    registration
      .then((reg) => reg.pushManager.getSubscription())
      .then((subscription) => subscription && subscription.unsubscribe()
        .then(() => post(enable.dataset.unsubscribe, { endpoint: subscription.endpoint })))
      .then(() => { say("Off for this browser."); enable.hidden = false; disable.hidden = true; })
      .catch((error) => say(error.message));
  });
})();
