// Panel.tsx: one part of the dashboard — a card whose title is a heading of
// the page's outline (so a screen reader can jump between the parts).
import { Card, Typography } from 'antd';
import type { ReactNode } from 'react';

export function Panel({ title, extra, children }: { title: string; extra?: ReactNode; children: ReactNode }) {
  return (
    <Card
      title={
        <Typography.Title level={2} style={{ fontSize: 18, margin: 0 }}>
          {title}
        </Typography.Title>
      }
      extra={extra}
    >
      {children}
    </Card>
  );
}
