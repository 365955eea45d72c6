// feature.ts: what a feature folder hands the app shell. Every
// `features/<name>/index.tsx` default-exports one Feature; the router and the
// menu are made of them, so adding a screen never edits the shell.
import type { ReactNode } from 'react';
import type { RouteObject } from 'react-router-dom';
import type { Role } from './auth';

export interface MenuEntry {
  /** Path the entry opens; the entry is selected for every path under it. */
  path: string;
  /** i18n key of its label. */
  label: string;
  icon: ReactNode;
  /** Place in the menu, smallest first. */
  order: number;
  /** Only these roles see it (everyone when absent). */
  roles?: Role[];
}

export interface Feature {
  /** Routes inside the signed-in shell; screens are lazy so each feature is its own chunk. */
  routes: RouteObject[];
  menu?: MenuEntry[];
}
