// Muted.tsx: secondary text that still reads (WCAG AA contrast on white,
// which Ant Design's "secondary" grey does not reach).
import { Typography } from 'antd';
import type { ReactNode } from 'react';

export const MUTED_COLOR = 'rgba(0, 0, 0, 0.65)';

export function Muted({ children, block = false }: { children: ReactNode; block?: boolean }) {
  const text = <Typography.Text style={{ color: MUTED_COLOR }}>{children}</Typography.Text>;
  return block ? <Typography.Paragraph>{text}</Typography.Paragraph> : text;
}

/** A link in the theme's blue, which reads on white (Ant Design's default
 * link blue does not reach AA contrast). */
export const LINK_STYLE = { color: '#1458d6' } as const;
