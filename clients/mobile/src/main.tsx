// The field-sales app's entry: texts, the service worker, then the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Toast, unstableSetRender } from 'antd-mobile';
import { registerSW } from 'virtual:pwa-register';
import './i18n';
import { App } from './App';
import './app.css';
import { resume } from './data';

// The service worker keeps the whole app on the phone, so it opens with no
// network; a new build takes over at the next start.
registerSW({ immediate: true });
// A toast says "saved" and goes; it must not sit on the next screen.
Toast.config({ duration: 1500 });
// Toasts and dialogs opened from code render through React 19's roots.
unstableSetRender((node, container) => {
  const root = createRoot(container);
  root.render(node);
  return async () => {
    await Promise.resolve();
    root.unmount();
  };
});
resume();

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
