// Choices.tsx: antd-mobile's Selector (tap one of a few buttons) reachable
// from a keyboard as well: its options take the focus and answer Enter and
// Space, which the library's own do not.
import { Selector, type SelectorProps } from 'antd-mobile';
import { useEffect, useRef, type KeyboardEvent } from 'react';

export function Choices<V extends string>(props: SelectorProps<V>) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    box.current?.querySelectorAll<HTMLElement>('[role="option"]').forEach((option) => {
      option.tabIndex = 0;
    });
  });
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const target = e.target as HTMLElement;
    if ((e.key === 'Enter' || e.key === ' ') && target.getAttribute('role') === 'option') {
      e.preventDefault();
      target.click();
    }
  };
  return (
    <div ref={box} className="choices" onKeyDown={onKeyDown}>
      <Selector<V> {...props} />
    </div>
  );
}
