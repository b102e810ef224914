/* Beacon's service worker for alerts: shows each web push as a notification and opens its link.
   The payload is JSON from alerts.channels.push.push_data: {title, body, url, tag}. */
self.addEventListener("push", (event) => {
  let alert = { title: "Beacon alert", body: "", url: "/alerts/notifications/", tag: "beacon-alert" };
  try {
    alert = Object.assign(alert, event.data ? event.data.json() : {});
  } catch (error) {
    alert.body = event.data ? event.data.text() : "";
  }
  event.waitUntil(self.registration.showNotification(alert.title, {
    body: alert.body, tag: alert.tag, data: { url: alert.url },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || "/alerts/notifications/";
  event.waitUntil(clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
    const open = windows.find((w) => w.url === url);
    return open ? open.focus() : clients.openWindow(url);
  }));
});
