// The code pad's editor: CodeMirror 6 and the two languages the pad offers, bundled into one
// ES module by `npm run build` (its packages import each other by bare name, which a browser
// cannot resolve without an import map, and import maps must be inline scripts).
export { EditorState, Compartment } from "@codemirror/state";
export {
  EditorView,
  keymap,
  lineNumbers,
  highlightActiveLine,
  highlightActiveLineGutter,
  drawSelection,
  placeholder,
} from "@codemirror/view";
export { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
export {
  bracketMatching,
  indentOnInput,
  syntaxHighlighting,
  defaultHighlightStyle,
} from "@codemirror/language";
export { python } from "@codemirror/lang-python";
export { javascript } from "@codemirror/lang-javascript";
export { oneDark } from "@codemirror/theme-one-dark";
