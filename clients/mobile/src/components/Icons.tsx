// Icons.tsx: the few line icons of the tab bar and the back button, drawn
// here (24×24, currentColor) rather than pulled in as another package.
import type { ReactElement } from 'react';

const svg = (path: ReactElement) => (
  <svg viewBox="0 0 24 24" width="1em" height="1em" fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
    {path}
  </svg>
);

export const AgendaIcon = () =>
  svg(
    <>
      <rect x="3.5" y="5" width="17" height="15" rx="2" />
      <path d="M3.5 10h17M8 3v4M16 3v4M8 14h3" />
    </>,
  );

export const CustomersIcon = () =>
  svg(
    <>
      <circle cx="9" cy="8" r="3.5" />
      <path d="M2.5 20c.6-3.6 3.2-5.5 6.5-5.5s5.9 1.9 6.5 5.5M16 4.8a3.3 3.3 0 0 1 0 6.4M18 14.8c2 .7 3.2 2.4 3.5 5.2" />
    </>,
  );

export const OutboxIcon = () =>
  svg(
    <>
      <path d="M3.5 13.5 6 5h12l2.5 8.5V19a1 1 0 0 1-1 1h-15a1 1 0 0 1-1-1z" />
      <path d="M3.5 13.5H8l1.2 2.5h5.6l1.2-2.5h4.5M12 7.5v5M9.8 9.7 12 7.5l2.2 2.2" />
    </>,
  );

export const MeIcon = () =>
  svg(
    <>
      <circle cx="12" cy="8" r="4" />
      <path d="M4 20.5c.8-4 4-6 8-6s7.2 2 8 6" />
    </>,
  );

export const BackIcon = () => svg(<path d="M15 4.5 7.5 12l7.5 7.5" />);
