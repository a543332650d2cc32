// What the workbench shows, for people and for tests: window.knooppuntUI.
//
// Each screen sets `screen`, works, then calls `ready()` with its own state (counts of what it
// shows, active filters, highlighted regions, ...). Tests wait for `ready` and read `state`.

export const ui = {
  screen: null,
  ready: false,
  lang: "nl",
  session: null,
  context: { run_id: null, as_of: null, case: null },
  state: {},
  error: null,
  version: 0,
  // Read-only views of what a screen shows, for tests (functions: left out of JSON).
  read: {},
};

window.knooppuntUI = ui;

export function begin(screen) {
  ui.screen = screen;
  ui.ready = false;
  ui.error = null;
  ui.state = {};
  ui.read = {};
  ui.version += 1;
  return ui.version;
}

export function ready(state) {
  ui.state = state;
  ui.ready = true;
}

export function update(patch) {
  Object.assign(ui.state, patch);
}
