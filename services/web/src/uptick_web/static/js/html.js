// One place for the view library: Preact with htm's tagged templates (plain ES modules, no build step).
import { h, render, Fragment, createContext } from "../vendor/preact.mjs";
import htm from "../vendor/htm.mjs";

export const html = htm.bind(h);
export { h, render, Fragment, createContext };
export {
  useState, useEffect, useRef, useMemo, useCallback, useContext, useReducer, useLayoutEffect, useId,
} from "../vendor/hooks.mjs";
