/* openiads replay: draws one run on a Leaflet map and replays it against a clock.
   Data comes from the JSON in #replay-data (written by openiads.viewer.report). No network. */
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('replay-data').textContent);
  // Unpack: tracks and event times are delta-encoded integers (openiads.viewer.report.PACKING).
  function undelta(a, scale) {
    var out = new Array(a.length), acc = 0;
    for (var i = 0; i < a.length; i++) { acc += a[i]; out[i] = acc / scale; }
    return out;
  }
  D.objects.forEach(function (o) {
    ['t', 'lat', 'lon', 'alt'].forEach(function (key) { o[key] = undelta(o[key], D.packing[key]); });
  });
  D.events = (function (E) {
    var t = undelta(E.t, D.packing.t), out = new Array(E.n);
    function nm(i) { return i < 0 ? '' : E.names[i]; }
    for (var i = 0; i < E.n; i++) {
      out[i] = { t: t[i], kind: E.kinds[E.k[i]], actor: nm(E.a[i]), target: nm(E.g[i]), obj: E.o[i] < 0 ? null : E.names[E.o[i]] };
    }
    return out;
  })(D.events);
  var STATE_COLOR = {
    undetected: '#969696', detected: '#f0c828', tracked: '#f58c1e', engaged: '#dc2828',
    killed: '#282828', leaked: '#aa1ec8', exited: '#787878', interceptor: '#1ec8e6'
  };
  var SIDE_COLOR = { hostile: '#c0392b', friendly: '#2866d0', defence: '#2866d0', neutral: '#28a050', civil: '#28a050' };
  var PERSIST = { killed: true, leaked: true };
  var T_END = Math.max(D.t_end, 1e-3);
  var EPOCH_MS = Date.parse(D.epoch);

  function sideColor(s) { return SIDE_COLOR[s] || '#777'; }
  function fmtT(t) {
    var s = Math.max(0, Math.round(t)), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
    return 'T+' + String(h).padStart(2, '0') + ':' + String(m).padStart(2, '0') + ':' + String(s % 60).padStart(2, '0');
  }
  function fmtUtc(t) {
    if (isNaN(EPOCH_MS)) return '';
    return new Date(EPOCH_MS + t * 1000).toISOString().replace('T', ' ').slice(0, 19) + 'Z';
  }
  function esc(x) {
    return String(x == null ? '' : x).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  // Index of the last element of sorted array a that is <= x (-1 when none).
  function lastLE(a, x) {
    var lo = 0, hi = a.length - 1, ans = -1;
    while (lo <= hi) { var mid = (lo + hi) >> 1; if (a[mid] <= x) { ans = mid; lo = mid + 1; } else { hi = mid - 1; } }
    return ans;
  }

  // ---- map and static layers -------------------------------------------------------------
  var map = L.map('map', { zoomSnap: 0.25, worldCopyJump: false });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution('Basemap: ' + esc(D.basemap.provenance));
  var baseRenderer = L.canvas({ padding: 0.2 });
  map.createPane('objects');
  map.getPane('objects').style.zIndex = 450;
  var objRenderer = L.canvas({ pane: 'objects', padding: 0.2 });

  function ringsToLatLngs(rings) {
    return rings.map(function (r) {
      var out = [];
      for (var i = 0; i < r.length; i += 2) out.push([r[i + 1], r[i]]);
      return out;
    });
  }
  var land = L.layerGroup(), borders = L.layerGroup();
  [D.basemap.world, D.basemap.detail].forEach(function (part) {
    if (part.land.length) {
      // One path per part: canvas fills with the even-odd rule, so lakes stay holes.
      L.polygon(ringsToLatLngs(part.land), {
        renderer: baseRenderer, interactive: false, color: '#7d8471', weight: 0.8,
        fillColor: '#ece8d9', fillOpacity: 1, smoothFactor: 1.5
      }).addTo(land);
    }
    if (part.borders.length) {
      L.polyline(ringsToLatLngs(part.borders), {
        renderer: baseRenderer, interactive: false, color: '#8c7c8f', weight: 0.8, dashArray: '4 3'
      }).addTo(borders);
    }
  });
  land.addTo(map); borders.addTo(map);

  var detectRings = L.layerGroup(), engageRings = L.layerGroup(), siteLayer = L.layerGroup();
  D.sites.forEach(function (s) {
    var ll = [s.lat, s.lon];
    if (s.detect_m) L.circle(ll, { radius: s.detect_m, renderer: baseRenderer, color: '#c9a40e', weight: 1.2, dashArray: '6 4', fill: false, interactive: false }).addTo(detectRings);
    if (s.engage_m) L.circle(ll, { radius: s.engage_m, renderer: baseRenderer, color: '#c0392b', weight: 1.5, fillColor: '#c0392b', fillOpacity: 0.06, interactive: false }).addTo(engageRings);
    L.circleMarker(ll, { renderer: baseRenderer, radius: 6, color: '#111', weight: 1.5, fillColor: sideColor(s.side), fillOpacity: 1 })
      .bindTooltip(esc(s.id) + ' · ' + esc(s.type) + (s.engage_m ? ' · engage ' + (s.engage_m / 1000).toFixed(0) + ' km' : '') + (s.detect_m ? ' · detect ' + (s.detect_m / 1000).toFixed(0) + ' km' : ''))
      .addTo(siteLayer);
  });
  var areaLayer = L.layerGroup();
  D.areas.forEach(function (a) {
    var colour = a.kind === 'defended_area' ? '#2866d0' : '#28a050';
    var label = esc(a.id) + ' (' + a.kind.replace('_', ' ') + ')';
    if (a.ring.length) {
      L.polygon(a.ring, { renderer: baseRenderer, color: colour, weight: 1.5, fillOpacity: 0.12 }).bindTooltip(label).addTo(areaLayer);
    } else if (a.line.length) {
      L.polyline(a.line, { renderer: baseRenderer, color: colour, weight: 3, opacity: 0.6, dashArray: '10 6' }).bindTooltip(label).addTo(areaLayer);
    }
  });
  var paths = L.layerGroup();
  var objects = D.objects;
  var byId = {};
  objects.forEach(function (o, k) {
    o.k = k;
    byId[o.id] = o;
    o.stateT = o.states.map(function (s) { return s[0]; });
    o.final = o.states.length ? o.states[o.states.length - 1][1] : null;
    var ll = o.t.map(function (_, i) { return [o.lat[i], o.lon[i]]; });
    o.path = L.polyline(ll, {
      renderer: baseRenderer, interactive: false, weight: o.cat === 'interceptor' ? 0.8 : 1,
      color: o.cat === 'interceptor' ? STATE_COLOR.interceptor : sideColor(o.side), opacity: 0.35
    }).addTo(paths);
  });
  var coverageLayer = L.layerGroup();
  if (D.coverage && D.coverage.features.length) {
    var levels = D.coverage.features.map(function (f) { return levelOf(f); }).filter(function (v) { return v !== null; });
    var lo = Math.min.apply(null, levels.concat([0])), hi = Math.max.apply(null, levels.concat([1]));
    L.geoJSON(D.coverage, {
      renderer: baseRenderer,
      style: function (f) {
        var v = levelOf(f), x = v === null || hi === lo ? 0.5 : (v - lo) / (hi - lo);
        return { color: 'hsl(' + Math.round(270 - 210 * x) + ',75%,40%)', weight: 1.6, fillOpacity: 0.08 };
      },
      onEachFeature: function (f, layer) {
        var p = f.properties || {};
        layer.bindTooltip(Object.keys(p).map(function (k) { return esc(k) + ' ' + esc(p[k]); }).join(' · ') || 'coverage');
      }
    }).addTo(coverageLayer);
    coverageLayer.addTo(map);
  }
  function levelOf(f) {
    var p = f.properties || {};
    for (var k in p) if (typeof p[k] === 'number') return p[k];
    return null;
  }
  [detectRings, engageRings, areaLayer, paths, siteLayer].forEach(function (g) { g.addTo(map); });

  var objLayer = L.layerGroup().addTo(map);
  var flashLayer = L.layerGroup().addTo(map);
  L.control.layers(null, {
    'Land and coast': land, 'Borders': borders, 'Detection rings': detectRings,
    'Engagement rings': engageRings, 'Coverage contours': coverageLayer, 'Defended areas and corridors': areaLayer,
    'Trajectories': paths, 'Sites': siteLayer, 'Air objects and interceptors': objLayer
  }, { collapsed: true, position: 'topright' }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);

  var b = D.bbox;
  map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [20, 20] });

  // ---- the clock ---------------------------------------------------------------------------
  var now = 0, playing = false, lastFrame = null, selected = null;
  var slider = document.getElementById('slider');
  slider.max = String(T_END);
  var speedSel = document.getElementById('speed');
  var playBtn = document.getElementById('play');
  var clockEl = document.getElementById('clock');

  function stateAt(o, t) {
    if (o.cat !== 'air') return 'interceptor';
    var i = lastLE(o.stateT, t);
    return i < 0 ? 'undetected' : o.states[i][1];
  }
  // Interpolated [lat, lon, alt] at t, or null when the object is not shown at t.
  function positionAt(o, t) {
    var n = o.t.length;
    if (n === 0 || t < o.t[0]) return null;
    if (t >= o.t[n - 1]) {
      if (t > o.t[n - 1] && !(o.cat === 'air' && PERSIST[stateAt(o, t)])) return null;
      return [o.lat[n - 1], o.lon[n - 1], o.alt[n - 1]];
    }
    var i = lastLE(o.t, t), t0 = o.t[i], t1 = o.t[i + 1], f = t1 > t0 ? (t - t0) / (t1 - t0) : 0;
    return [o.lat[i] + f * (o.lat[i + 1] - o.lat[i]), o.lon[i] + f * (o.lon[i + 1] - o.lon[i]), o.alt[i] + f * (o.alt[i + 1] - o.alt[i])];
  }

  var markers = new Array(objects.length);
  function markerFor(o) {
    var m = markers[o.k];
    if (!m) {
      m = L.circleMarker([0, 0], { renderer: objRenderer, radius: 5, weight: 1.5, fillOpacity: 1 });
      m.bindTooltip(esc(o.id) + ' · ' + esc(o.type));
      m.on('click', function () { select(o.id); });
      markers[o.k] = m;
      m._shown = false;
    }
    return m;
  }
  function styleFor(o, state) {
    var sel = selected === o.id;
    if (o.cat === 'interceptor') return { radius: sel ? 5 : 3, color: '#0b5566', weight: sel ? 3 : 1, fillColor: STATE_COLOR.interceptor };
    var done = state === 'killed' || state === 'leaked';
    return { radius: sel ? 8 : (done ? 4 : 5), color: sel ? '#000' : sideColor(o.side), weight: sel ? 3 : 1.5, fillColor: STATE_COLOR[state] || '#999' };
  }

  // Flashes: intercepts, kills and misses light up for a moment at the target's position.
  var flashEvents = D.events.filter(function (e) { return (e.kind === 'kill' || e.kind === 'intercept' || e.kind === 'miss') && e.obj && byId[e.obj]; });
  var flashT = flashEvents.map(function (e) { return e.t; });
  var flashPool = [];
  function drawFlashes(t) {
    var span = Math.max(4, 1.5 * Number(speedSel.value));
    var hi = lastLE(flashT, t), used = 0;
    for (var i = hi; i >= 0 && flashT[i] >= t - span && used < 200; i--) {
      var e = flashEvents[i], o = byId[e.obj], p = positionAt(o, Math.min(e.t, o.t[o.t.length - 1]));
      if (!p) continue;
      var age = (t - e.t) / span;
      var f = flashPool[used] || (flashPool[used] = L.circleMarker([0, 0], { renderer: objRenderer, interactive: false, fill: false }));
      f.setLatLng([p[0], p[1]]);
      f.setStyle({ radius: 6 + 22 * age, color: e.kind === 'miss' ? '#f0a020' : '#ff3b1f', weight: 3, opacity: 1 - age });
      if (!flashLayer.hasLayer(f)) flashLayer.addLayer(f);
      used++;
    }
    for (var j = used; j < flashPool.length; j++) if (flashLayer.hasLayer(flashPool[j])) flashLayer.removeLayer(flashPool[j]);
  }

  function drawObjects(t) {
    for (var k = 0; k < objects.length; k++) {
      var o = objects[k], p = positionAt(o, t);
      var m = markers[k];
      if (!p) { if (m && m._shown) { objLayer.removeLayer(m); m._shown = false; } continue; }
      m = markerFor(o);
      var state = stateAt(o, t);
      m.setLatLng([p[0], p[1]]);
      if (m._state !== state || m._sel !== (selected === o.id)) {
        m.setStyle(styleFor(o, state));
        m._state = state; m._sel = selected === o.id;
      }
      if (!m._shown) { objLayer.addLayer(m); m._shown = true; }
    }
  }

  // ---- event list (virtual: only the rows in view exist in the DOM) ----------------------------
  var ROW_H = 18;
  var evBox = document.getElementById('events');
  var evT = D.events.map(function (e) { return e.t; });
  var evSpacer = document.createElement('div');
  evSpacer.style.position = 'relative';
  evBox.appendChild(evSpacer);
  var shownIdx = D.events.map(function (_, i) { return i; });  // indices passing the filter
  var pastCount = 0, currentIdx = -1, keepList = false;
  function whoOf(e) {
    var who = e.actor && e.target && e.target !== e.actor ? e.actor + ' → ' + e.target : (e.target || e.actor);
    if (e.obj && e.obj !== e.target && e.obj !== e.actor) who += ' (' + e.obj + ')';
    return who;
  }
  function drawEventRows() {
    evSpacer.style.height = (shownIdx.length * ROW_H) + 'px';
    var first = Math.max(0, Math.floor(evBox.scrollTop / ROW_H) - 5);
    var last = Math.min(shownIdx.length, first + Math.ceil(evBox.clientHeight / ROW_H) + 10);
    var html = [];
    for (var r = first; r < last; r++) {
      var i = shownIdx[r], e = D.events[i], who = whoOf(e);
      var cls = 'ev' + (i < pastCount ? ' past' : '') + (i === currentIdx ? ' current' : '');
      html.push('<div class="' + cls + '" role="listitem" data-i="' + i + '" style="top:' + (r * ROW_H) + 'px" title="' + esc(e.kind + ': ' + who) + '"><span>' + fmtT(e.t).slice(2) + '</span><span class="k k-' + esc(e.kind) + '">' + esc(e.kind) + '</span><span class="who">' + esc(who) + '</span></div>');
    }
    evSpacer.innerHTML = html.join('');
  }
  evBox.addEventListener('scroll', function () { drawEventRows(); });
  var unlisted = Object.keys(D.unlisted_events || {}).map(function (k) { return D.unlisted_events[k] + ' ' + k; });
  document.getElementById('evcount').textContent = '(' + D.events.length + (unlisted.length ? '; not listed: ' + unlisted.join(', ') : '') + ')';
  var kinds = {};
  D.events.forEach(function (e) { kinds[e.kind] = (kinds[e.kind] || 0) + 1; });
  var evFilter = document.getElementById('evfilter');
  var KEY_KINDS = { engage: 1, launch: 1, intercept: 1, kill: 1, miss: 1, leak: 1, magazine_empty: 1, detect: 1 };
  (function () {
    var opt = document.createElement('option'); opt.value = '*key'; opt.textContent = 'detections and engagements';
    evFilter.appendChild(opt);
  })();
  Object.keys(kinds).sort().forEach(function (k) {
    var opt = document.createElement('option'); opt.value = k; opt.textContent = k + ' (' + kinds[k] + ')'; evFilter.appendChild(opt);
  });
  function applyFilter() {
    var k = evFilter.value;
    shownIdx = [];
    for (var i = 0; i < D.events.length; i++) {
      var kind = D.events[i].kind;
      if (!k || (k === '*key' ? KEY_KINDS[kind] : kind === k)) shownIdx.push(i);
    }
    drawEventRows();
    scrollToCurrent(true);
  }
  evFilter.addEventListener('change', applyFilter);
  drawEventRows();
  evBox.addEventListener('click', function (ev) {
    var row = ev.target.closest('.ev');
    if (!row) return;
    var e = D.events[Number(row.dataset.i)];
    keepList = true;  // the row clicked stays where it is
    setTime(e.t);
    keepList = false;
    if (e.obj) select(e.obj);
  });
  function scrollToCurrent(force) {
    if (currentIdx < 0) return;
    var r = lastLE(shownIdx, currentIdx);
    if (r < 0) return;
    var top = r * ROW_H;
    if (force || top < evBox.scrollTop || top > evBox.scrollTop + evBox.clientHeight - ROW_H) {
      evBox.scrollTop = Math.max(0, top - evBox.clientHeight / 2);
    }
  }
  function updateEvents(t) {
    var n = lastLE(evT, t) + 1;
    if (n === pastCount) return;
    pastCount = n;
    currentIdx = n - 1;
    if (!keepList) scrollToCurrent(false);
    drawEventRows();
  }

  // ---- charts (SVG) ------------------------------------------------------------------------
  var SVGNS = 'http://www.w3.org/2000/svg';
  function svgEl(name, attrs, parent) {
    var el = document.createElementNS(SVGNS, name);
    for (var a in attrs) el.setAttribute(a, attrs[a]);
    if (parent) parent.appendChild(el);
    return el;
  }
  function axes(svg, w, h, pad, yMax, yLabel) {
    svg.innerHTML = '';
    svgEl('line', { x1: pad, y1: h - 14, x2: w - 4, y2: h - 14, stroke: '#999' }, svg);
    svgEl('line', { x1: pad, y1: 4, x2: pad, y2: h - 14, stroke: '#999' }, svg);
    svgEl('text', { x: 2, y: 10 }, svg).textContent = yLabel;
    svgEl('text', { x: 2, y: h - 16 }, svg).textContent = '0';
    svgEl('text', { x: 2, y: 22 }, svg).textContent = String(Math.round(yMax));
    svgEl('text', { x: pad, y: h - 2 }, svg).textContent = '0';
    svgEl('text', { x: w - 44, y: h - 2 }, svg).textContent = fmtT(T_END).slice(2);
    return { x: function (t) { return pad + (w - pad - 4) * t / T_END; }, y: function (v) { return (h - 14) - (h - 30) * v / (yMax || 1); } };
  }
  var altSvg = document.getElementById('altchart'), altCursor = null;
  function drawAltChart(o) {
    var alts = o.alt, yMax = Math.max.apply(null, alts.concat([1]));
    var sc = axes(altSvg, 340, 110, 34, yMax, 'alt m');
    var pts = o.t.map(function (t, i) { return sc.x(t).toFixed(1) + ',' + sc.y(alts[i]).toFixed(1); }).join(' ');
    svgEl('polyline', { points: pts, fill: 'none', stroke: o.cat === 'interceptor' ? '#0b8aa0' : sideColor(o.side), 'stroke-width': 1.5 }, altSvg);
    altCursor = svgEl('line', { y1: 4, y2: 96, stroke: '#d33', 'stroke-width': 1 }, altSvg);
    altCursor._x = sc.x;
  }
  var magSvg = document.getElementById('magchart'), magCursor = null;
  (function drawMagChart() {
    var series = D.magazines.series, units = Object.keys(series).sort();
    document.getElementById('magtitle').textContent = 'Per fire unit: ' + D.magazines.label;
    var yMax = 1;
    units.forEach(function (u) { series[u].forEach(function (p) { yMax = Math.max(yMax, p[1]); }); });
    var sc = axes(magSvg, 340, 120, 34, yMax, D.magazines.label.split(' ')[1] || '');
    var palette = ['#2866d0', '#c0392b', '#28a050', '#8e44ad', '#d35400', '#16a085', '#7f8c8d'];
    units.forEach(function (u, k) {
      var s = series[u], pts = [], last = s[0][1];
      s.forEach(function (p) { pts.push(sc.x(p[0]) + ',' + sc.y(last)); pts.push(sc.x(p[0]) + ',' + sc.y(p[1])); last = p[1]; });
      pts.push(sc.x(T_END) + ',' + sc.y(last));
      var c = palette[k % palette.length];
      svgEl('polyline', { points: pts.join(' '), fill: 'none', stroke: c, 'stroke-width': 1.5 }, magSvg);
      svgEl('text', { x: 40 + 90 * (k % 3), y: 12 + 10 * Math.floor(k / 3), fill: c }, magSvg).textContent = u;
    });
    if (!units.length) svgEl('text', { x: 60, y: 60 }, magSvg).textContent = 'no launches in this run';
    magCursor = svgEl('line', { y1: 4, y2: 106, stroke: '#d33', 'stroke-width': 1 }, magSvg);
    magCursor._x = sc.x;
  })();

  // ---- selection ---------------------------------------------------------------------------
  var selBox = document.getElementById('selected');
  function describe(o, t) {
    var st = stateAt(o, t), p = positionAt(o, t);
    return '<b>' + esc(o.id) + '</b> · ' + esc(o.type) + ' · ' + esc(o.side) + ' · ' + esc(o.cls) +
      (o.parent ? ' · from ' + esc(o.parent) : '') +
      '<br>state <span class="state" data-state="' + st + '" style="background:' + (STATE_COLOR[st] || '#999') + '">' + st + '</span>' +
      (p ? ' · alt ' + Math.round(p[2]) + ' m' : ' · not in the air');
  }
  function select(id) {
    var o = byId[id];
    if (!o) return;
    var prev = selected;
    selected = id;
    if (prev && byId[prev] && markers[byId[prev].k]) markers[byId[prev].k]._sel = null;
    drawAltChart(o);
    render();
  }
  var datalist = document.getElementById('ids');
  datalist.innerHTML = objects.map(function (o) { return '<option value="' + esc(o.id) + '">'; }).join('');
  document.getElementById('find').addEventListener('change', function (ev) { select(ev.target.value); });

  // ---- summary -----------------------------------------------------------------------------
  var statsEl = document.getElementById('stats');
  statsEl.innerHTML = Object.keys(D.stats).map(function (k) { return '<tr><td>' + esc(k) + '</td><td class="n">' + esc(D.stats[k]) + '</td></tr>'; }).join('');
  function renderValue(v) {
    if (v === null || typeof v !== 'object') return typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : esc(v);
    if (Array.isArray(v)) {
      if (v.length && typeof v[0] === 'object' && v[0] !== null && !Array.isArray(v[0])) {
        var cols = Object.keys(v[0]);
        return '<table><tr>' + cols.map(function (c) { return '<th>' + esc(c) + '</th>'; }).join('') + '</tr>' +
          v.slice(0, 200).map(function (r) { return '<tr>' + cols.map(function (c) { return '<td>' + renderValue(r[c]) + '</td>'; }).join('') + '</tr>'; }).join('') + '</table>' +
          (v.length > 200 ? '<p>… ' + (v.length - 200) + ' more rows</p>' : '');
      }
      return esc(v.slice(0, 50).join(', ')) + (v.length > 50 ? ' …' : '');
    }
    return '<table>' + Object.keys(v).slice(0, 200).map(function (k) { return '<tr><td>' + esc(k) + '</td><td>' + renderValue(v[k]) + '</td></tr>'; }).join('') + '</table>';
  }
  document.getElementById('summary').innerHTML = D.summary && Object.keys(D.summary).length ? renderValue(D.summary) : '';
  document.getElementById('caveats').textContent = D.caveats + (D.seed != null ? ' Seed ' + D.seed + '.' : '') + ' Trajectories shown with up to ' + D.points_per_object + ' points per object.';
  document.getElementById('provenance').textContent = 'Map: ' + D.basemap.provenance + '. Drawn with Leaflet.';
  document.getElementById('legend').innerHTML = ['undetected', 'detected', 'tracked', 'engaged', 'killed', 'leaked', 'interceptor'].map(function (s) {
    return '<span><i style="background:' + STATE_COLOR[s] + '"></i>' + s + '</span>';
  }).join('');

  // ---- render loop -------------------------------------------------------------------------
  function render() {
    drawObjects(now);
    drawFlashes(now);
    updateEvents(now);
    clockEl.textContent = fmtT(now) + '  ' + fmtUtc(now);
    if (altCursor) { var x = altCursor._x(now); altCursor.setAttribute('x1', x); altCursor.setAttribute('x2', x); }
    if (magCursor) { var mx = magCursor._x(now); magCursor.setAttribute('x1', mx); magCursor.setAttribute('x2', mx); }
    if (selected) selBox.innerHTML = describe(byId[selected], now);
  }
  function setTime(t) {
    now = Math.min(Math.max(Number(t) || 0, 0), T_END);
    slider.value = String(now);
    render();
  }
  function frame(ts) {
    if (!playing) return;
    if (lastFrame !== null) {
      var dt = Math.min(0.25, (ts - lastFrame) / 1000);
      now = Math.min(T_END, now + dt * Number(speedSel.value));
      slider.value = String(now);
      render();
      if (now >= T_END) { pause(); return; }
    }
    lastFrame = ts;
    requestAnimationFrame(frame);
  }
  function play() {
    if (playing) return;
    if (now >= T_END) now = 0;
    playing = true; lastFrame = null;
    playBtn.innerHTML = '&#10074;&#10074; Pause'; playBtn.setAttribute('aria-label', 'Pause');
    requestAnimationFrame(frame);
  }
  function pause() {
    playing = false;
    playBtn.innerHTML = '&#9654; Play'; playBtn.setAttribute('aria-label', 'Play');
  }
  playBtn.addEventListener('click', function () { if (playing) pause(); else play(); });
  slider.addEventListener('input', function () { setTime(slider.value); });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === ' ' && ev.target === document.body) { ev.preventDefault(); if (playing) pause(); else play(); }
  });

  setTime(0);

  // A small read-only handle for scripted checks (the browser tests use it).
  window.replay = {
    ready: true,
    time: function () { return now; },
    playing: function () { return playing; },
    setTime: setTime, play: play, pause: pause, select: select,
    objectIds: function () { return objects.map(function (o) { return o.id; }); },
    // What the map shows for an object now: visible, state, fill colour, position.
    displayed: function (id) {
      var o = byId[id];
      if (!o) return null;
      var m = markers[o.k];
      if (!m || !m._shown) return { visible: false, state: stateAt(o, now) };
      var ll = m.getLatLng();
      return { visible: true, state: m._state, fill: m.options.fillColor, lat: ll.lat, lng: ll.lng };
    },
    counts: function () {
      return { land: land.getLayers().length, borders: borders.getLayers().length, sites: siteLayer.getLayers().length,
        detectRings: detectRings.getLayers().length, engageRings: engageRings.getLayers().length,
        areas: areaLayer.getLayers().length, coverage: D.coverage.features.length, paths: paths.getLayers().length, shown: objLayer.getLayers().length };
    }
  };
})();
