// BusyButton.tsx: a button that shows a spinner while its work runs — the
// spinner swapped in as its icon, not animated in and out: Ant Design's
// animated one can stay behind, unseen but still read out as "loading", when
// the work ends before the animation does.
import { LoadingOutlined } from '@ant-design/icons';
import { Button, type ButtonProps } from 'antd';

export function BusyButton({ busy, icon, ...props }: Omit<ButtonProps, 'loading'> & { busy: boolean }) {
  return <Button {...props} icon={busy ? <LoadingOutlined /> : icon} aria-busy={busy || undefined} />;
}
