// router.tsx: every screen's URL. The signed-in shell holds the routes the
// feature folders declare (features/*/index.tsx); anything else is "not found".
import { createBrowserRouter, type RouteObject } from 'react-router-dom';
import type { Feature, MenuEntry } from '../lib/feature';
import { NotFound } from '../lib/NotFound';
import { Shell } from './Shell';
import { SignIn } from './SignIn';

const modules = import.meta.glob<{ default: Feature }>('../features/*/index.tsx', { eager: true });
const features = Object.values(modules).map((m) => m.default);

export const menu: MenuEntry[] = features.flatMap((f) => f.menu ?? []).sort((a, b) => a.order - b.order);

const routes: RouteObject[] = [
  { path: '/sign-in', element: <SignIn /> },
  {
    path: '/',
    element: <Shell />,
    children: [...features.flatMap((f) => f.routes), { path: '*', element: <NotFound /> }],
  },
];

export const router = createBrowserRouter(routes);
