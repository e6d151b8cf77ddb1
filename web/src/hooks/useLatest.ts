import { useLayoutEffect, useRef } from 'react';

/**
 * useLatest returns a ref that holds the latest `value`, for callbacks that
 * outlive the render that made them (a socket's handlers, a context's
 * functions). It is updated after each render, before any effect runs, so an
 * effect or a later event reads what the last render saw; render itself never
 * reads or writes it. Inside an effect, React's useEffectEvent does this job.
 */
export function useLatest<T>(value: T): { readonly current: T } {
  const ref = useRef(value);
  useLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}
