// Keeps conversation recordings in the browser, written as they are rendered, so a crashed
// or closed tab loses at most the last second. A dedicated worker, because only workers get
// synchronous access handles to the Origin Private File System (writes in place, durable on
// flush; a main-thread writable stream copies the whole file on every commit). Where OPFS
// cannot be written (no sync access handles, storage refused), IndexedDB holds the same
// files as a header and numbered blocks; `?store=indexeddb` on the worker's URL chooses it.
//
// Beside each recording, its record (the conversation's turns, words and events as JSON,
// src/record.rs), rewritten whole as the conversation goes: on the OPFS a file named after the
// recording with `.json` added, in IndexedDB a field of the recording's entry. It follows the
// recording's rename and removal.
//
// The page (src/web/store.rs) sends requests with an `id` and gets one reply per request,
// in order; a failure replies `{error, name}` (e.g. QuotaExceededError). While a tab writes
// a recording it holds a Web Lock on its name, so another tab lists it as being recorded,
// not as one to recover (a tab that dies lets go of its locks).
const lockName = (name) => `recording:${name}`;
const bytes = (buffer) => new Uint8Array(buffer);
const held = new Map(); // name -> releases its lock

// Holds the lock on `name` until the recording is closed (or the worker ends). A name
// another tab holds already is refused at once, never waited for.
const hold = (name) =>
  new Promise((acquired, refused) => {
    if (!navigator.locks?.request) return acquired();
    navigator.locks.request(lockName(name), { ifAvailable: true }, (lock) => {
      if (!lock) return refused(new DOMException(`another tab is writing ${name}`, 'NoModificationAllowedError'));
      acquired();
      return new Promise((release) => held.set(name, release));
    });
  });
const letGo = (name) => {
  held.get(name)?.();
  held.delete(name);
};
// The names other tabs are writing now.
const busy = async () =>
  new Set(((await navigator.locks?.query?.())?.held ?? []).map((l) => l.name));

// ---------------------------------------------------------------- the Origin Private File System

const opfs = {
  open: new Map(), // name -> { sah, size }
  async dir() {
    return (this.root ??= await navigator.storage.getDirectory());
  },
  async create(name, header) {
    const handle = await (await this.dir()).getFileHandle(name, { create: true });
    const sah = await handle.createSyncAccessHandle();
    sah.truncate(0);
    sah.write(bytes(header), { at: 0 });
    sah.flush();
    this.open.set(name, { sah, size: header.byteLength });
  },
  append(name, data, header) {
    const f = this.open.get(name);
    const written = f.sah.write(bytes(data), { at: f.size });
    if (written < data.byteLength) throw new DOMException('the disk is full', 'QuotaExceededError');
    f.size += written;
    f.sah.write(bytes(header), { at: 0 });
    f.sah.flush();
    return f.size;
  },
  async finish(name, rename) {
    this.open.get(name).sah.close();
    this.open.delete(name);
    const handle = await (await this.dir()).getFileHandle(name);
    if (handle.move) await handle.move(rename);
    const note = await this.noteHandle(name);
    if (note?.move) await note.move(`${rename}.json`);
  },
  async noteHandle(name, create = false) {
    try {
      return await (await this.dir()).getFileHandle(`${name}.json`, { create });
    } catch (e) {
      if (e.name === 'NotFoundError') return null;
      throw e;
    }
  },
  async note(name, text) {
    const sah = await (await this.noteHandle(name, true)).createSyncAccessHandle();
    try {
      const data = new TextEncoder().encode(text);
      sah.truncate(0);
      if (sah.write(data, { at: 0 }) < data.byteLength) throw new DOMException('the disk is full', 'QuotaExceededError');
      sah.flush();
    } finally {
      sah.close();
    }
  },
  async noted(name) {
    return (await this.noteHandle(name))?.getFile() ?? null;
  },
  async list() {
    const list = [];
    for await (const [name, handle] of (await this.dir()).entries()) {
      if (handle.kind !== 'file' || !name.endsWith('.wav') || this.open.has(name)) continue;
      try {
        const file = await handle.getFile();
        const header = await file.slice(0, 44).arrayBuffer();
        list.push({ name, size: file.size, modified: file.lastModified, header });
      } catch {
        list.push({ name, size: 0, modified: 0, header: new ArrayBuffer(0) }); // being written elsewhere
      }
    }
    return list;
  },
  async file(name) {
    return (await (await this.dir()).getFileHandle(name)).getFile();
  },
  async remove(name) {
    await (await this.dir()).removeEntry(name);
    if (await this.noteHandle(name)) await (await this.dir()).removeEntry(`${name}.json`);
  },
};

// ---------------------------------------------------------------- IndexedDB

// `files`: name -> { blocks, size, modified, header } (the record moves on rename; its
// blocks keep the key they were written under); `blocks`: [blocks, n] -> audio bytes.
const idb = {
  open: new Map(), // name -> { record, next }
  db() {
    return (this.opened ??= new Promise((ok, fail) => {
      const r = indexedDB.open('gemini-live-voice-recordings', 1);
      r.onupgradeneeded = () => {
        r.result.createObjectStore('files');
        r.result.createObjectStore('blocks');
      };
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    }));
  },
  // Runs `work(files, blocks)` in one transaction; resolves when it is committed.
  async tx(mode, work) {
    const t = (await this.db()).transaction(['files', 'blocks'], mode);
    const result = work(t.objectStore('files'), t.objectStore('blocks'));
    await new Promise((ok, fail) => {
      t.oncomplete = ok;
      t.onerror = t.onabort = () => fail(t.error ?? new DOMException('the transaction was aborted', 'AbortError'));
    });
    return result;
  },
  request: (r) => new Promise((ok, fail) => { r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); }),
  range: (key) => IDBKeyRange.bound([key, 0], [key, Infinity]),
  async create(name, header) {
    const record = { blocks: name, size: header.byteLength, modified: Date.now(), header };
    await this.tx('readwrite', (files, blocks) => {
      blocks.delete(this.range(name));
      files.put(record, name);
    });
    this.open.set(name, { record, next: 0 });
  },
  async append(name, data, header) {
    const f = this.open.get(name);
    f.record = { ...f.record, size: f.record.size + data.byteLength, modified: Date.now(), header };
    const n = f.next++;
    await this.tx('readwrite', (files, blocks) => {
      if (data.byteLength) blocks.put(data, [f.record.blocks, n]);
      files.put(f.record, name);
    });
    return f.record.size;
  },
  async note(name, text) {
    const f = this.open.get(name);
    if (!f) return;
    f.record = { ...f.record, note: text };
    await this.tx('readwrite', (files) => files.put(f.record, name));
  },
  async noted(name) {
    const record = await this.tx('readonly', (files) => this.request(files.get(name)));
    return record?.note ? new File([record.note], `${name}.json`, { type: 'application/json' }) : null;
  },
  async finish(name, rename) {
    const { record } = this.open.get(name);
    this.open.delete(name);
    await this.tx('readwrite', (files) => {
      files.delete(name);
      files.put(record, rename);
    });
  },
  async list() {
    let names, records;
    await this.tx('readonly', (files) => {
      names = this.request(files.getAllKeys());
      records = this.request(files.getAll());
    });
    [names, records] = [await names, await records];
    return names
      .map((name, i) => ({ name, size: records[i].size, modified: records[i].modified, header: records[i].header }))
      .filter(({ name }) => !this.open.has(name));
  },
  // The header and the blocks as one File (parts joined as they come, so the blocks' bytes
  // are not all in JS memory at once).
  async file(name) {
    const record = await this.tx('readonly', (files) => this.request(files.get(name)));
    if (!record) throw new DOMException(`${name} is not stored`, 'NotFoundError');
    const audio = await new Promise((ok, fail) => {
      this.db().then((db) => {
        const parts = [];
        const c = db.transaction('blocks').objectStore('blocks').openCursor(this.range(record.blocks));
        c.onsuccess = () => {
          if (!c.result) return ok(new Blob(parts));
          parts.push(new Blob([c.result.value]));
          c.result.continue();
        };
        c.onerror = () => fail(c.error);
      }, fail);
    });
    return new File([record.header, audio.slice(0, Math.max(0, record.size - 44))], name, { type: 'audio/wav' });
  },
  async remove(name) {
    await this.tx('readwrite', (files, blocks) => {
      const r = files.get(name);
      r.onsuccess = () => {
        if (r.result) blocks.delete(this.range(r.result.blocks));
        files.delete(name);
      };
    });
  },
};

// OPFS where this browser lets a worker write it, else IndexedDB.
let chosen;
const store = () =>
  (chosen ??= (async () => {
    if (new URL(location.href).searchParams.get('store') === 'indexeddb') return idb;
    try {
      if (typeof FileSystemSyncAccessHandle === 'undefined') return idb;
      await opfs.dir();
      return opfs;
    } catch {
      return idb;
    }
  })());

const ops = {
  // A new recording: the provisional header, nothing else.
  async open({ name, header }) {
    await hold(name);
    await (await store()).create(name, header);
    return { backend: (await store()) === opfs ? 'opfs' : 'indexeddb' };
  },
  // Rendered audio at the end, and the header that now describes the file.
  async append({ name, data, header }) {
    return { size: await (await store()).append(name, data, header) };
  },
  // The recording is complete: the last audio, the final header, and its final name (a
  // recording still named `*.part.wav` on the next visit is one whose tab died).
  async close({ name, data, header, rename }) {
    const s = await store();
    await s.append(name, data, header);
    await s.finish(name, rename);
    letGo(name);
    return {};
  },
  // Stored recordings not written by this tab: name, size, time, the header's bytes, and
  // whether another tab is writing it now.
  async list() {
    const others = await busy();
    const list = (await (await store()).list()).map((f) => ({ ...f, busy: others.has(lockName(f.name)) }));
    list.sort((a, b) => b.modified - a.modified);
    return { list };
  },
  async file({ name }) {
    return { file: await (await store()).file(name) };
  },
  // The record kept beside a recording: its JSON as it was last written.
  async note({ name, text }) {
    await (await store()).note(name, text);
    return {};
  },
  async record({ name }) {
    const file = await (await store()).noted(name);
    if (!file) throw new DOMException(`no record was kept with ${name}`, 'NotFoundError');
    return { file };
  },
  async remove({ name }) {
    await (await store()).remove(name);
    return {};
  },
};

let queue = Promise.resolve();
onmessage = ({ data }) => {
  queue = queue.then(async () => {
    try {
      const { transfer = [], ...reply } = await ops[data.op](data);
      postMessage({ id: data.id, ...reply }, transfer);
    } catch (e) {
      postMessage({ id: data.id, error: `${e.name}: ${e.message}`, name: e.name });
    }
  });
};
