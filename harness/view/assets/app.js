// The viewer's page: preact + htm from the package's node_modules (see server.ts), no build
// step. State lives in the URL's hash (#/samples?run=…&task=…&status=unparsed), so a link
// from `medeval report`, a refresh or the back button lands on the same view.
import { h, render } from "preact";
import { useEffect, useState } from "preact/hooks";
import htm from "htm";

const html = htm.bind(h);
const STATUSES = ["strict", "lenient", "option_text", "logprob", "unparsed", "truncated", "context_overflow", "error"];
const STATUS_LABEL = { context_overflow: "overflow", option_text: "option text" };
const PAGE = 100;

const pct = (x) => (x === null || x === undefined ? "–" : (x * 100).toFixed(1));

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [view, query] = raw.split("?");
  return { view: view || "runs", params: Object.fromEntries(new URLSearchParams(query ?? "")) };
}

function hrefFor(view, params) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ""));
  return `#/${view}${q.toString() ? `?${q}` : ""}`;
}

function useRoute() {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const on = () => setRoute(parseHash());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}

/** GET a JSON route; `tick` re-fetches (the Refresh button: a run in progress has new samples). */
function useJson(url, tick) {
  const [state, setState] = useState({ loading: true, data: null, error: null });
  useEffect(() => {
    if (!url) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    fetch(url)
      .then(async (res) => {
        const body = await res.json();
        if (!live) return;
        if (!res.ok) setState({ loading: false, data: null, error: body.error ?? `HTTP ${res.status}` });
        else setState({ loading: false, data: body, error: null });
      })
      .catch((err) => live && setState({ loading: false, data: null, error: String(err) }));
    return () => {
      live = false;
    };
  }, [url, tick]);
  return state;
}

function api(path, params) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== ""));
  return `/api/${path}?${q}`;
}

const Status = ({ s }) => html`<span class=${`status ${s}`}>${STATUS_LABEL[s] ?? s}</span>`;
const Verdict = ({ row }) =>
  row.status === "error" ? html`<span class="muted">not scored</span>` : row.correct ? html`<span class="right">right</span>` : html`<span class="wrong">wrong</span>`;
const Problem = ({ state }) => (state.error ? html`<p class="error">${state.error}</p>` : state.loading && !state.data ? html`<p class="muted">Loading…</p>` : null);

function Accuracy({ acc, n, total, planned }) {
  const short = planned !== null && planned !== undefined && total < planned;
  return html`<span>${pct(acc.value)} <span class="ci">[${pct(acc.low)}, ${pct(acc.high)}]</span> <span class="muted">n=${n}</span>${short ? html` <span class="incomplete" title="fewer samples than the run asked for">${total}/${planned}</span>` : null}</span>`;
}

function RunsView({ params, tick }) {
  const state = useJson("/api/runs", tick);
  const [pick, setPick] = useState({ a: "", b: "", task: "" });
  if (!state.data) return html`<${Problem} state=${state} />`;
  // A report's average links here with the runs and tasks it is made of.
  const onlyRuns = params.runs ? params.runs.split(",") : null;
  const onlyTasks = params.tasks ? params.tasks.split(",") : null;
  const runs = state.data.runs
    .filter((r) => !onlyRuns || onlyRuns.includes(r.key))
    .map((r) => ({ ...r, tasks: r.tasks.filter((t) => !onlyTasks || onlyTasks.includes(t.task)) }))
    .filter((r) => r.tasks.length > 0);
  const tasks = [...new Set(runs.flatMap((r) => r.tasks.map((t) => t.task)))].sort();
  return html`
    <h2>Runs</h2>
    ${onlyRuns || onlyTasks ? html`<p>Showing ${onlyTasks?.length ?? "all"} task(s) of ${onlyRuns?.length ?? "all"} run(s), as linked. <a href="#/runs">All runs</a></p>` : null}
    <table id="runs">
      <thead><tr><th>Run</th><th>Model</th><th>Setting</th><th>Scoring</th><th>Task</th><th>Accuracy % [CI], n</th><th>Started</th><th>Checkpoint</th><th>Complete</th></tr></thead>
      <tbody>
        ${runs.flatMap((r) =>
          r.tasks.map(
            (t, i) => html`<tr>
              <td>${i === 0 ? html`<code>${r.key}</code>` : ""}</td>
              <td>${i === 0 ? r.model : ""}</td>
              <td>${i === 0 ? [r.setting, r.fewshot].filter(Boolean).join(", ") : ""}</td>
              <td>${i === 0 ? `${r.scoring} · ${r.prompt_style}` : ""}</td>
              <td><a href=${hrefFor("samples", { run: r.key, task: t.task })}>${t.task}</a></td>
              <td class="num"><a href=${hrefFor("samples", { run: r.key, task: t.task })}><${Accuracy} acc=${t.accuracy} n=${t.scored} total=${t.total} planned=${t.planned} /></a>${t.errors > 0 ? html` <span class="muted">(${t.errors} errors not scored)</span>` : null}</td>
              <td>${i === 0 ? r.started_at.replace("T", " ").slice(0, 19) : ""}</td>
              <td>${i === 0 ? html`<code>${r.checkpoint ?? "unknown"}</code>${r.checkpoint_given ? html` <small title="given with --served-checkpoint at a batch import, not read from the server">(given)</small>` : ""}` : ""}</td>
              <td>${i === 0 ? (r.complete ? "complete" : html`<span class="incomplete">in progress or interrupted</span>`) : ""}</td>
            </tr>`,
          ),
        )}
      </tbody>
    </table>
    <h2>Compare two runs</h2>
    <div class="filters">
      ${["a", "b"].map(
        (side) => html`<label>${side.toUpperCase()} <select id=${`pick-${side}`} value=${pick[side]} onChange=${(e) => setPick({ ...pick, [side]: e.target.value })}>
          <option value="">–</option>${runs.map((r) => html`<option value=${r.key}>${r.key} (${r.model})</option>`)}
        </select></label>`,
      )}
      <label>task <select id="pick-task" value=${pick.task} onChange=${(e) => setPick({ ...pick, task: e.target.value })}><option value="">–</option>${tasks.map((t) => html`<option>${t}</option>`)}</select></label>
      <a id="compare-link" href=${pick.a && pick.b && pick.task ? hrefFor("compare", pick) : undefined}>${pick.a && pick.b && pick.task ? "side by side →" : "pick two runs and a task"}</a>
    </div>`;
}

function SamplesView({ params, tick }) {
  const set = (change) => (location.hash = hrefFor("samples", { ...params, page: undefined, ...change }));
  const page = Number(params.page ?? 0);
  const statuses = params.status ? params.status.split(",") : [];
  const state = useJson(api("samples", { ...params, page: undefined, offset: page * PAGE, limit: PAGE }), tick);
  const [text, setText] = useState(params.q ?? "");
  useEffect(() => setText(params.q ?? ""), [params.q]);
  const data = state.data;
  const toggle = (s) => set({ status: (statuses.includes(s) ? statuses.filter((x) => x !== s) : [...statuses, s]).join(",") });
  return html`
    <h2><a href="#/runs">Runs</a> › <code>${params.run}</code> › ${params.task}</h2>
    <div class="filters" id="filters">
      ${STATUSES.filter((s) => data?.facets.statuses[s] || statuses.includes(s)).map(
        (s) => html`<label><input type="checkbox" name="status" value=${s} checked=${statuses.includes(s)} onChange=${() => toggle(s)} /><${Status} s=${s} /> ${data?.facets.statuses[s] ?? 0}</label>`,
      )}
      <label>answer <select name="correct" value=${params.correct ?? ""} onChange=${(e) => set({ correct: e.target.value })}><option value="">any</option><option value="right">right</option><option value="wrong">wrong</option></select></label>
      ${data && data.facets.langs.length > 1 ? html`<label>language <select name="lang" value=${params.lang ?? ""} onChange=${(e) => set({ lang: e.target.value })}><option value="">any</option>${data.facets.langs.map((l) => html`<option>${l}</option>`)}</select></label>` : null}
      ${data && data.facets.subjects.length > 0 ? html`<label>subject <select name="subject" value=${params.subject ?? ""} onChange=${(e) => set({ subject: e.target.value })}><option value="">any</option>${data.facets.subjects.map((l) => html`<option>${l}</option>`)}</select></label>` : null}
      <form onSubmit=${(e) => (e.preventDefault(), set({ q: text }))}><input name="q" type="search" placeholder="search text, Enter" value=${text} onInput=${(e) => setText(e.target.value)} /></form>
      <label>sort <select name="sort" value=${params.sort ? `${params.sort}:${params.order ?? "asc"}` : ""} onChange=${(e) => { const [sort, order] = e.target.value.split(":"); set({ sort, order }); }}>
        <option value="">journal order</option><option value="latency:desc">latency, slowest first</option><option value="latency:asc">latency, fastest first</option><option value="tokens:desc">tokens, most first</option><option value="tokens:asc">tokens, fewest first</option>
      </select></label>
    </div>
    <${Problem} state=${state} />
    ${data ? html`
      <div class="pager"><span id="matched">${data.matched} of ${data.total} samples</span>
        <button disabled=${page === 0} onClick=${() => set({ page: page - 1 })}>‹ prev</button>
        <span>page ${page + 1} of ${Math.max(1, Math.ceil(data.matched / PAGE))}</span>
        <button disabled=${(page + 1) * PAGE >= data.matched} onClick=${() => set({ page: page + 1 })}>next ›</button></div>
      <table id="samples">
        <thead><tr><th>Item</th><th>Status</th><th>Answer</th><th>Gold</th><th></th><th>Lang</th><th>Subject</th><th class="num">Latency ms</th><th class="num">Tokens</th><th>Question</th></tr></thead>
        <tbody>${data.rows.map(
          (r) => html`<tr class="row" data-item=${r.item_id} onClick=${() => (location.hash = hrefFor("sample", { run: params.run, task: params.task, item: r.item_id }))}>
            <td><code>${r.item_id}</code></td><td><${Status} s=${r.status} /></td><td>${r.answer ?? "–"}</td><td>${r.gold}</td><td><${Verdict} row=${r} /></td>
            <td>${r.lang}</td><td>${r.subject ?? ""}</td><td class="num">${r.latency_ms}</td><td class="num">${r.completion_tokens ?? "–"}</td><td class="muted">${r.preview.slice(0, 90)}</td></tr>`,
        )}</tbody>
      </table>` : null}`;
}

/** The answer text with the span the extractor read marked. */
function AnswerText({ detail }) {
  const text = detail.answer_text;
  if (!detail.span) return html`<pre class="answer">${text || html`<span class="muted">(no answer text)</span>`}</pre>`;
  const { start, end } = detail.span;
  return html`<pre class="answer">${text.slice(0, start)}<mark class="span" title=${detail.rule ?? ""}>${text.slice(start, end)}</mark>${text.slice(end)}</pre>`;
}

function Reply({ detail }) {
  const s = detail.sample;
  return html`
    ${detail.reasoning ? html`<details class="msg reasoning"><summary>reasoning (${detail.reasoning.length} characters)</summary><pre>${detail.reasoning}</pre></details>` : null}
    ${s.status === "logprob" ? null : html`<${AnswerText} detail=${detail} />`}
    ${detail.span_note ? html`<p class="muted">${detail.span_note}</p>` : null}
    ${s.error ? html`<p class="error">${s.error}</p>` : null}`;
}

function OptionBars({ scores, gold, answer }) {
  return html`<h3>${scores.kind}</h3><div class="bars" id="option-scores">
    ${scores.scores.map((o) => html`<span>${o.letter}${o.letter === answer ? " ◀" : ""}</span><div><div class=${`bar${o.letter === gold ? " gold" : ""}`} style=${`width:${(o.value * 100).toFixed(1)}%`}></div></div><span class="num">${(o.value * 100).toFixed(1)}%</span>`)}
  </div><p class="muted">green: the gold option; ◀ the option chosen.</p>`;
}

function Meta({ s, rule }) {
  const u = s.usage;
  const rows = [
    ["answer", s.answer ?? "–"], ["gold", s.gold], ["status", html`<${Status} s=${s.status} /> <${Verdict} row=${s} />`], ["rule", rule ?? "–"],
    ["tokens", u ? `${u.prompt_tokens} prompt + ${u.completion_tokens} completion` : "–"], ["finish", s.finish_reason ?? "–"],
    ["latency", `${s.latency_ms} ms`], ["endpoint", s.endpoint ?? "–"], ["attempts", s.attempts], ["cached", s.cached ? "yes" : "no"], ["language", s.lang], ["subject", s.subject ?? "–"],
  ];
  return html`<dl class="meta">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

function SampleView({ params, tick }) {
  const state = useJson(api("sample", { run: params.run, task: params.task, item: params.item }), tick);
  const d = state.data;
  if (!d) return html`<${Problem} state=${state} />`;
  const s = d.sample;
  return html`
    <h2><a href="#/runs">Runs</a> › <a href=${hrefFor("samples", { run: params.run, task: params.task })}><code>${params.run}</code> › ${params.task}</a> › <code>${s.item_id}</code></h2>
    <${Meta} s=${s} rule=${d.rule} />
    ${d.option_scores ? html`<${OptionBars} scores=${d.option_scores} gold=${s.gold} answer=${s.answer} />` : null}
    <h3>Messages as sent</h3>
    ${d.messages.map((m) => html`<details class="msg" open=${m.label === "question" || m.label.startsWith("question")}><summary>${m.label}${m.trace_id ? html` · trace <code>${m.trace_id}</code>` : null}</summary><pre>${m.content}</pre></details>`)}
    ${s.shots && s.shots.length > 0 ? html`<p class="muted">shots (trace ids, in prompt order): ${s.shots.map((t) => html`<code>${t}</code> `)}</p>` : null}
    <h3>Reply</h3>
    <${Reply} detail=${d} />`;
}

const PAIR_FILTERS = [["disagree", "disagree (one right)"], ["a_right_b_wrong", "A right, B wrong"], ["a_wrong_b_right", "A wrong, B right"], ["answers_differ", "answers differ"], ["all", "all common items"]];

function SidePanel({ params, item, tick }) {
  const a = useJson(api("sample", { run: params.a, task: params.task, item }), tick);
  const b = useJson(api("sample", { run: params.b, task: params.task, item }), tick);
  return html`<div class="side" id="side-by-side">
    ${[["A", params.a, a], ["B", params.b, b]].map(([side, run, st]) => html`<div class=${`side-${side.toLowerCase()}`}><h3>${side}: <code>${run}</code> · <code>${item}</code></h3>
      ${st.data ? html`<${Meta} s=${st.data.sample} rule=${st.data.rule} /><${Reply} detail=${st.data} />` : html`<${Problem} state=${st} />`}</div>`)}
  </div>`;
}

function CompareView({ params, tick }) {
  const set = (change) => (location.hash = hrefFor("compare", { ...params, page: undefined, ...change }));
  const page = Number(params.page ?? 0);
  const state = useJson(api("pairs", { a: params.a, b: params.b, task: params.task, filter: params.filter, offset: page * PAGE, limit: PAGE }), tick);
  const d = state.data;
  const filter = params.filter ?? "disagree";
  return html`
    <h2><a href="#/runs">Runs</a> › A <code>${params.a}</code> vs B <code>${params.b}</code> › ${params.task}</h2>
    <${Problem} state=${state} />
    ${d ? html`<p>${d.counts.common} items in both: both right ${d.counts.both_right}, both wrong ${d.counts.both_wrong}, A right B wrong <b>${d.counts.a_right_b_wrong}</b>, A wrong B right <b>${d.counts.a_wrong_b_right}</b>${d.counts.errors ? `, ${d.counts.errors} with an error (not scored)` : ""}${d.counts.changed ? `, ${d.counts.changed} left out: their data changed between the runs` : ""}.</p>
      <div class="filters" id="pair-filters">${PAIR_FILTERS.map(([f, label]) => html`<button data-filter=${f} disabled=${filter === f} onClick=${() => set({ filter: f, item: undefined })}>${label}</button>`)}
        <span id="pair-matched">${d.matched} items</span>
        <button disabled=${page === 0} onClick=${() => set({ page: page - 1 })}>‹ prev</button><button disabled=${(page + 1) * PAGE >= d.matched} onClick=${() => set({ page: page + 1 })}>next ›</button></div>
      ${params.item ? html`<${SidePanel} params=${params} item=${params.item} tick=${tick} />` : null}
      <table id="pairs"><thead><tr><th>Item</th><th>A</th><th>B</th><th>Gold</th><th>Question</th></tr></thead>
        <tbody>${d.rows.map((r) => html`<tr class="row" data-item=${r.item_id} onClick=${() => (location.hash = hrefFor("compare", { ...params, item: r.item_id }))}>
          <td><code>${r.item_id}</code></td><td>${r.a.answer ?? "–"} <${Verdict} row=${r.a} /> <${Status} s=${r.a.status} /></td><td>${r.b.answer ?? "–"} <${Verdict} row=${r.b} /> <${Status} s=${r.b.status} /></td><td>${r.a.gold}</td><td class="muted">${r.a.preview.slice(0, 90)}</td></tr>`)}</tbody></table>` : null}`;
}

const VIEWS = { runs: RunsView, samples: SamplesView, sample: SampleView, compare: CompareView };

function App() {
  const route = useRoute();
  const [tick, setTick] = useState(0);
  const View = VIEWS[route.view] ?? RunsView;
  return html`
    <header><b>medeval view</b><a href="#/runs">runs</a><button id="refresh" onClick=${() => setTick(tick + 1)} title="read the run folders again (a run in progress has new samples)">refresh</button><span class="muted">read-only</span></header>
    <main><${View} params=${route.params} tick=${tick} /></main>`;
}

render(html`<${App} />`, document.getElementById("app"));
