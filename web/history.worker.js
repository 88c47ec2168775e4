// Reads and checks the history files the page opens (web/history-file.js) off the page's thread: a
// file near the size cap takes a second or more to parse, and the page stays responsive meanwhile.
// Message in: {files: [File], names: the catalog's model, init and optimiser names, classes, limits}.
// Message out: {opened} (openFiles' result) or {error: the reason, with the file's name}.
import { HistoryFileError, openFiles } from './history-file.js';

self.onmessage = async ({ data: { files, names } }) => {
  try {
    self.postMessage({ opened: await openFiles(files, names) });
  } catch (e) {
    self.postMessage({ error: e instanceof HistoryFileError ? e.message : `it could not be read (${e.message})` });
  }
};
