// The room's code pad: a CodeMirror 6 editor with a language choice. The editor lives in a
// shadow root, so CodeMirror's styles go to an adopted (constructed) style sheet instead of
// an inline <style> element that a strict Content-Security-Policy would block.

const BUNDLE = "/vendor/codemirror/codemirror.js";
const TAB_SIZE = 4;

/**
 * @typedef {object} CodePad
 * @property {() => string} text
 * @property {(text: string) => void} setText
 * @property {() => string} lang
 * @property {(lang: string) => void} setLang
 * @property {(editable: boolean) => void} setEditable
 * @property {() => void} focus
 */

/**
 * Mount the pad in `host` (its content is replaced); `onChange(text, lang)` hears every edit
 * and language change.
 * @param {HTMLElement} host
 * @param {HTMLSelectElement} languageSelect
 * @param {(text: string, lang: string) => void} onChange
 * @returns {Promise<CodePad>}
 */
export async function mountCodePad(host, languageSelect, onChange) {
  const cm = await import(BUNDLE);
  const root = host.shadowRoot ?? host.attachShadow({ mode: "open" });
  root.replaceChildren();
  const parent = document.createElement("div");
  parent.className = "code-pad-editor";
  root.append(parent);
  const languages = { python: () => cm.python(), javascript: () => cm.javascript() };
  const language = new cm.Compartment();
  const editable = new cm.Compartment();
  const current = () => (languageSelect.value in languages ? languageSelect.value : "python");
  const view = new cm.EditorView({
    root,
    parent,
    state: cm.EditorState.create({
      doc: "",
      extensions: [
        cm.lineNumbers(),
        cm.highlightActiveLineGutter(),
        cm.history(),
        cm.drawSelection(),
        cm.indentOnInput(),
        cm.bracketMatching(),
        cm.highlightActiveLine(),
        cm.syntaxHighlighting(cm.defaultHighlightStyle, { fallback: true }),
        cm.keymap.of([...cm.defaultKeymap, ...cm.historyKeymap, cm.indentWithTab]),
        cm.EditorState.tabSize.of(TAB_SIZE),
        cm.placeholder("Write your solution here…"),
        cm.oneDark,
        cm.EditorView.theme({
          "&": { height: "100%", fontSize: "0.9rem" },
          ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" },
        }),
        cm.EditorView.contentAttributes.of({ "aria-label": "Code pad", "data-testid": "code-input" }),
        language.of(languages[current()]()),
        editable.of(cm.EditorView.editable.of(true)),
        cm.EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange(update.state.doc.toString(), current());
        }),
      ],
    }),
  });
  languageSelect.addEventListener("change", () => {
    view.dispatch({ effects: language.reconfigure(languages[current()]()) });
    onChange(view.state.doc.toString(), current());
  });
  return {
    text: () => view.state.doc.toString(),
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    lang: current,
    setLang(lang) {
      if (lang in languages && lang !== current()) {
        languageSelect.value = lang;
        view.dispatch({ effects: language.reconfigure(languages[lang]()) });
      }
    },
    setEditable(yes) {
      view.dispatch({ effects: editable.reconfigure(cm.EditorView.editable.of(yes)) });
    },
    focus: () => view.focus(),
  };
}
