// theme.ts: the app's Ant Design theme. Beyond the brand blue, the colours
// Ant Design draws text in are darkened where its defaults fall below WCAG AA
// contrast on white: secondary and description text, links, error messages
// next to fields, and a primary button under the pointer.
import type { ThemeConfig } from 'antd';

export const theme: ThemeConfig = {
  token: {
    colorPrimary: '#1458d6',
    colorPrimaryHover: '#0f47b0',
    colorLink: '#1458d6',
    colorLinkHover: '#0f47b0',
    colorError: '#cf1322',
    colorTextSecondary: 'rgba(0, 0, 0, 0.65)',
    colorTextDescription: 'rgba(0, 0, 0, 0.65)',
  },
};
