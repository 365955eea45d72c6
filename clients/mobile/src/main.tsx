// The field-sales app's entry: texts, the service worker, then the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { registerSW } from 'virtual:pwa-register';
import './i18n';
import { App } from './App';
import { resume } from './data';

// The service worker keeps the whole app on the phone, so it opens with no
// network; a new build takes over at the next start.
registerSW({ immediate: true });
resume();

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
