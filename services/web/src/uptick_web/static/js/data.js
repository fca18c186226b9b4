// Loading data into a page: `useApi` for one load (with reload), `usePoll` for a list kept live with
// ETag/If-None-Match (an unchanged answer is a 304 without a body, so polling costs nearly nothing).
import { api } from "./api.js";
import { useCallback, useEffect, useRef, useState } from "./html.js";

/** {data, error, loading, reload, setData} of `load(signal)`, run again when `deps` change. */
export function useApi(load, deps = []) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    load(abort.signal).then(
      (data) => { if (!abort.signal.aborted) setState({ data, error: null, loading: false }); },
      (error) => { if (!abort.signal.aborted && error.name !== "AbortError") setState({ data: null, error, loading: false }); },
    );
    return () => abort.abort();
  }, [...deps, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  const setData = useCallback((data) => setState((s) => ({ ...s, data })), []);
  return { ...state, reload, setData };
}

/**
 * GET `path` now and every `everyMs` while the tab is visible; {data, error, updatedAt, refresh}.
 * A failed poll keeps the last data on screen and says so in `error`; the next poll tries again.
 */
export function usePoll(path, query, everyMs = 5000) {
  const [state, setState] = useState({ data: null, error: null, updatedAt: null });
  const etag = useRef("");
  const key = path + JSON.stringify(query || {});
  const lastKey = useRef(key);
  const timer = useRef(null);
  const run = useRef(null);

  run.current = async () => {
    clearTimeout(timer.current);
    if (lastKey.current !== key) { etag.current = ""; lastKey.current = key; }
    try {
      const answer = await api.poll(path, etag.current, { query });
      if (answer.notModified) setState((s) => ({ ...s, error: null, updatedAt: Date.now() }));
      else {
        etag.current = answer.etag || "";
        setState({ data: answer.data, error: null, updatedAt: Date.now() });
      }
    } catch (error) {
      setState((s) => ({ ...s, error }));
    }
    if (!document.hidden) timer.current = setTimeout(() => run.current(), everyMs);
  };

  useEffect(() => {
    run.current();
    const wake = () => { if (!document.hidden) run.current(); };
    document.addEventListener("visibilitychange", wake);
    return () => { clearTimeout(timer.current); document.removeEventListener("visibilitychange", wake); };
  }, [key, everyMs]);

  return { ...state, refresh: () => run.current() };
}
