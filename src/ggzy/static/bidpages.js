// Page glue for the key page, the seal & submit page and the verification tool (templates/bid/).
// The cryptography is in sealing.js (window.GGZY); this file only moves values between the page, GGZY and the
// JSON API. Private keys stay in local variables of these closures: no request body ever contains one.
(function () {
  "use strict";
  const G = window.GGZY;
  const en = () => document.documentElement.lang === "en";
  const tr = (zh, eng) => (en() ? eng : zh);
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  function csrf(root) { return root.dataset.csrf || ""; }

  function show(el, kind, text) {
    if (!el) return;
    el.hidden = false;
    el.className = "alert " + kind;
    el.textContent = text;
  }

  // A readable message for any failure: the API's {error:{code,message}}, a SealingError, or anything else.
  function explain(err) {
    if (err && err.api) {
      const e = err.api;
      return (en() ? e.message_en : e.message) + " (" + e.code + (e.detail && e.detail.check ? ": " + e.detail.check : "") + ")";
    }
    if (err && err.code && err.check !== undefined) {
      const known = {
        "keys.bad_passphrase": ["密钥文件口令不正确", "Wrong passphrase for the key file"],
        "keys.keyfile_invalid": ["密钥文件格式无效", "The key file is not valid"],
        "bid.envelope_malformed": ["不是格式正确的加密投标文件", "Not a well-formed sealed envelope"],
        "bid.decrypt_failed": ["解密失败：密钥不正确或文件已被改动", "Decryption failed: wrong key or the file was altered"],
        "bid.package_invalid": ["投标文件包内容无效", "The bid package is invalid"],
      }[err.code];
      const head = known ? tr(known[0], known[1]) : err.code;
      return head + " (" + err.code + " · " + err.check + (err.reason ? ": " + err.reason : "") + ")";
    }
    return String((err && err.message) || err);
  }

  async function api(method, url, root, body) {
    const headers = { "Accept": "application/json", "X-CSRF-Token": csrf(root) };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const r = await fetch(url, { method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body) });
    const data = await r.json().catch(() => null);
    if (!r.ok) {
      const e = new Error("HTTP " + r.status);
      e.api = (data && data.error) || { code: "http." + r.status, message: "请求失败", message_en: "Request failed" };
      e.status = r.status;
      throw e;
    }
    return data;
  }

  async function platformKeys() {
    const r = await fetch("/api/platform/keys", { headers: { "Accept": "application/json" } });
    if (!r.ok) throw new Error("platform key unavailable");
    return G.platformKeysFrom(await r.json());
  }

  // The receipt's own key id picks the platform key (a rotated platform key still verifies old receipts).
  async function verifyReceiptWithPlatform(receipt, pasted) {
    const keys = pasted ? [{ key_id: null, public: pasted.trim() }] : await platformKeys();
    for (const k of keys) {
      if (k.key_id && k.key_id !== receipt.platform_key_id) continue;
      try { if (await G.verifyReceipt(receipt, k.public)) return true; } catch (e) { /* not this key */ }
    }
    return false;
  }

  // Receipts carry UTC with microseconds; pages show Beijing time to the second (the receipt keeps the rest).
  function beijing(utc) {
    const d = new Date(String(utc).replace(/(\.\d{3})\d*Z$/, "$1Z"));
    if (isNaN(d)) return String(utc);
    return d.toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false, year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).replace(/\//g, "-") + " (UTC+8)";
  }

  function stamp() { return new Date().toISOString().slice(0, 10).replace(/-/g, ""); }

  // ================================================================ /workspace/keys

  function initKeys(root) {
    const orgId = root.dataset.orgId;
    const msg = $("#keys-msg", root);
    let fresh = null; // the generated key set until registered; dropped on leaving the page

    const gen = $("#keys-generate", root);
    if (gen) gen.addEventListener("click", async () => {
      const p1 = $("#pass1", root).value, p2 = $("#pass2", root).value;
      if (p1.length < 8) return show(msg, "error", tr("口令至少8个字符", "The passphrase needs at least 8 characters"));
      if (p1 !== p2) return show(msg, "error", tr("两次输入的口令不一致", "The two passphrases differ"));
      gen.disabled = true;
      show(msg, "info", tr("正在本机生成密钥并加密保存……", "Generating keys on this computer and encrypting the key file…"));
      try {
        fresh = await G.generateKeySet();
        const iterations = Number(root.dataset.iterations) || G.DEFAULT_ITERATIONS;
        const doc = await G.writeKeyFile(fresh, p1, { orgId, iterations });
        $("#pass1", root).value = ""; $("#pass2", root).value = "";
        const name = "ggzy-" + orgId + "-" + stamp() + "-" + fresh.encKeyId.slice(0, 8) + ".ggzykey";
        G.download(name, JSON.stringify(doc, null, 2), "application/json");
        $("#new-enc-id", root).textContent = fresh.encKeyId;
        $("#new-sign-id", root).textContent = fresh.signKeyId;
        $("#keys-new", root).hidden = false;
        show(msg, "ok", tr("密钥文件已下载：" + name + "。请妥善保存并牢记口令，然后登记公钥。",
          "Key file downloaded: " + name + ". Keep it safe, remember the passphrase, then register the public keys."));
      } catch (e) {
        show(msg, "error", explain(e));
      } finally {
        gen.disabled = false;
      }
    });

    const again = $("#keys-download-again", root);
    if (again) again.addEventListener("click", () => {
      show(msg, "warn", tr("为安全起见，请重新生成密钥（口令不会保存在页面中）。", "For safety, generate again (the passphrase is not kept by the page)."));
    });

    const reg = $("#keys-register", root);
    if (reg) reg.addEventListener("click", async () => {
      if (!fresh) return;
      if (!$("#keys-saved", root).checked) {
        return show(msg, "error", tr("请先确认已保存密钥文件并牢记口令", "Confirm first that you saved the key file and remember the passphrase"));
      }
      reg.disabled = true;
      try {
        const body = { suite: fresh.suite, enc_public: G.b64e(fresh.encPublic), sign_public: G.b64e(fresh.signPublic),
          proof: await G.proofOfPossession(fresh, orgId) };
        await api("POST", "/api/keys", root, body);
        fresh = null;
        window.location.assign("/workspace/keys?done=registered");
      } catch (e) {
        show(msg, "error", explain(e));
        reg.disabled = false;
      }
    });

    const check = $("#keys-check", root);
    if (check) check.addEventListener("click", async () => {
      const out = $("#check-msg", root);
      const f = $("#check-file", root).files[0];
      if (!f) return show(out, "error", tr("请选择密钥文件", "Choose a key file"));
      try {
        const ks = await G.readKeyFile(await f.text(), $("#check-pass", root).value);
        const active = root.dataset.activeEncKeyId;
        if (active && ks.encKeyId === active) {
          show(out, "ok", tr("密钥文件和口令正确，且是当前有效密钥。", "Key file and passphrase are correct, and it is the active key set."));
        } else {
          show(out, "warn", tr("密钥文件和口令正确，但不是当前有效密钥（" + ks.encKeyId + "）。",
            "Key file and passphrase are correct, but it is not the active key set (" + ks.encKeyId + ")."));
        }
      } catch (e) {
        show(out, "error", explain(e));
      }
    });
  }

  // ================================================================ /tenders/{id}/bid

  function initSeal(root) {
    const tenderId = root.dataset.tenderId;
    const orgId = root.dataset.orgId;
    const activeEnc = root.dataset.activeEncKeyId || "";
    const maxBytes = Number(root.dataset.maxBytes) || Infinity;
    const chunkSize = Number(root.dataset.chunkSize) || G.DEFAULT_CHUNK;
    let keys = null;

    const keyMsg = $("#key-msg", root);
    const unlock = $("#key-unlock", root);
    if (unlock) unlock.addEventListener("click", async () => {
      const f = $("#key-file", root).files[0];
      if (!f) return show(keyMsg, "error", tr("请选择密钥文件（.ggzykey）", "Choose your key file (.ggzykey)"));
      unlock.disabled = true;
      try {
        const ks = await G.readKeyFile(await f.text(), $("#key-pass", root).value);
        $("#key-pass", root).value = "";
        if (ks.encKeyId !== activeEnc) {
          keys = null;
          show(keyMsg, "error", tr("该密钥文件不是贵单位当前登记的有效密钥，平台将拒收以其加密的投标文件。",
            "This key file is not your organisation's registered active key set; the platform would refuse bids sealed to it."));
        } else {
          keys = ks;
          show(keyMsg, "ok", tr("密钥已在本机解锁（" + ks.encKeyId.slice(0, 8) + "…），私钥不会离开本页面。",
            "Keys unlocked on this computer (" + ks.encKeyId.slice(0, 8) + "…); the private keys never leave this page."));
          root.dataset.unlocked = "1";
        }
      } catch (e) {
        show(keyMsg, "error", explain(e));
      } finally {
        unlock.disabled = false;
      }
    });

    for (const lot of $$("[data-lot-id]", root)) initLot(lot);

    function initLot(box) {
      const lotId = box.dataset.lotId;
      const price = $("[name=price]", box), words = $("[name=price_in_words]", box);
      const wordsHint = $("[data-role=words-hint]", box);
      let wordsAuto = true;
      // The 大写 is prefilled from the figures; the bidder may write it differently (it is what is signed, and
      // the words prevail), so a difference is shown, not corrected.
      const syncWords = () => {
        const w = G.inWords(price.value);
        if (wordsAuto) words.value = w;
        const differs = w && words.value && words.value !== w;
        wordsHint.textContent = differs ? tr("注意：大写与小写金额不一致（开标时以大写为准）：" + w,
          "Note: the words differ from the figures (the words prevail at the opening): " + w) : "";
      };
      price.addEventListener("input", syncWords);
      words.addEventListener("input", () => { wordsAuto = words.value === "" || words.value === G.inWords(price.value); syncWords(); });

      const msg = $("[data-role=msg]", box);
      const bar = $("progress", box);
      const stageText = $("[data-role=stage]", box);
      const submitBtn = $("[data-role=submit]", box);
      const retryBtn = $("[data-role=retry]", box);
      const resultBox = $("[data-role=result]", box);
      let pending = null; // {sealed, idempotencyKey}: the same body and key on a retry

      const progress = (stage, done, total) => {
        bar.hidden = false;
        bar.max = 1;
        bar.value = total ? done / total : 1;
        const labels = { digest: tr("计算文件摘要", "Hashing files"), encrypt: tr("本机加密", "Encrypting locally"),
          hash: tr("计算信封摘要", "Hashing the envelope"),
          upload: tr("上传", "Uploading") };
        stageText.textContent = (labels[stage] || stage) + " " + Math.floor((total ? done / total : 1) * 100) + "%";
      };

      submitBtn.addEventListener("click", async () => {
        if (!keys) return show(msg, "error", tr("请先在上方加载并解锁密钥文件", "Load and unlock your key file above first"));
        const sheet = {
          lot_id: lotId,
          price: price.value.trim(),
          price_in_words: words.value.trim(),
          duration_days: /^\d+$/.test($("[name=duration_days]", box).value.trim()) ? Number($("[name=duration_days]", box).value.trim()) : -1,
          quality: $("[name=quality]", box).value.trim(),
          project_lead: $("[name=project_lead]", box).value.trim(),
          lead_certificate: $("[name=lead_certificate]", box).value.trim(),
        };
        const problems = G.sheetProblems(sheet, lotId);
        if (problems.length) return show(msg, "error", tr("开标一览表有误：", "The opening sheet has problems: ") + problems.join("; "));
        const files = Array.from($("[name=files]", box).files);
        if (!files.length) return show(msg, "error", tr("请选择投标文件", "Choose your bid document files"));
        const total = files.reduce((n, f) => n + f.size, 0);
        if (total > maxBytes) return show(msg, "error", tr("投标文件超过本项目大小上限", "The files exceed this tender's size limit"));
        submitBtn.disabled = true;
        retryBtn.hidden = true;
        resultBox.hidden = true;
        delete resultBox.dataset.verified;
        show(msg, "info", tr("正在本机加密，请勿关闭页面……", "Sealing on this computer; keep this page open…"));
        try {
          let rescue = null;
          if (root.dataset.rescue === "1") {
            const rk = await api("GET", "/api/tenders/" + tenderId + "/rescue-key", root);
            rescue = { key_id: rk.key_id, public: rk.public_key };
          }
          const sealed = await G.sealBid({ keys, tenderId, lotId, bidderOrgId: orgId, sheet, files, rescue, chunkSize,
            onProgress: progress });
          if (sealed.size > maxBytes) throw new Error(tr("加密后的投标文件超过大小上限", "The sealed envelope exceeds the size limit"));
          pending = { sealed, idempotencyKey: crypto.randomUUID() };
          await upload();
        } catch (e) {
          show(msg, "error", explain(e));
        } finally {
          submitBtn.disabled = false;
        }
      });

      retryBtn.addEventListener("click", async () => {
        retryBtn.hidden = true;
        submitBtn.disabled = true;
        try { await upload(); } finally { submitBtn.disabled = false; }
      });

      function put(body, key) {
        return new Promise((resolve, reject) => {
          const xhr = new XMLHttpRequest();
          xhr.open("PUT", "/api/tenders/" + tenderId + "/lots/" + lotId + "/bid");
          xhr.setRequestHeader("Content-Type", "application/octet-stream");
          xhr.setRequestHeader("Idempotency-Key", key);
          xhr.setRequestHeader("X-CSRF-Token", csrf(root));
          xhr.setRequestHeader("Accept", "application/json");
          xhr.upload.onprogress = (ev) => progress("upload", ev.loaded, ev.total || body.size);
          xhr.onload = () => resolve(xhr);
          xhr.onerror = () => reject(Object.assign(new Error("network"), { network: true }));
          xhr.send(body);
        });
      }

      async function upload() {
        const { sealed, idempotencyKey } = pending;
        show(msg, "info", tr("正在上传加密后的投标文件……", "Uploading the sealed envelope…"));
        let xhr;
        try {
          xhr = await put(sealed.blob, idempotencyKey);
        } catch (e) {
          retryBtn.hidden = false;
          return show(msg, "error", tr("网络中断，请点击“重试上传”（不会重复投标）。", "The connection failed; press “Retry upload” (it will not bid twice)."));
        }
        let data = null;
        try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status >= 500 || xhr.status === 0) {
          retryBtn.hidden = false;
          return show(msg, "error", tr("服务器暂时无法处理，请点击“重试上传”。", "The server could not take it now; press “Retry upload”."));
        }
        if (xhr.status !== 200 && xhr.status !== 201) {
          pending = null;
          return show(msg, "error", explain({ api: (data && data.error) || { code: "http." + xhr.status, message: "上传失败", message_en: "Upload failed" } }));
        }
        pending = null;
        await showReceipt(data.receipt, sealed);
      }

      async function showReceipt(receipt, sealed) {
        const matches = receipt.sha256 === sealed.sha256 && receipt.size === sealed.size
          && receipt.tender_id === tenderId && receipt.lot_id === lotId && receipt.bidder_org_id === orgId;
        let signed = false;
        try { signed = await verifyReceiptWithPlatform(receipt); } catch (e) { signed = false; }
        resultBox.hidden = false;
        $("[data-role=receipt-json]", resultBox).textContent = JSON.stringify(receipt, null, 2);
        $("[data-role=receipt-sha]", resultBox).textContent = receipt.sha256;
        $("[data-role=receipt-time]", resultBox).textContent = beijing(receipt.received_at);
        const ok = matches && signed;
        resultBox.dataset.verified = ok ? "1" : "0";
        show($("[data-role=receipt-check]", resultBox), ok ? "ok" : "error", ok
          ? tr("回执签名有效，摘要与本机加密结果一致。", "The receipt signature is valid and its digest matches what this computer sealed.")
          : tr("回执核验失败：请保存回执并联系交易中心。", "The receipt did not verify: keep it and contact the centre."));
        show(msg, "ok", tr("投标文件已递交。请下载并保存回执。", "Bid submitted. Download and keep the receipt."));
        $("[data-role=receipt-download]", resultBox).onclick = () =>
          G.download("receipt-" + receipt.bid_id + ".json", JSON.stringify(receipt, null, 2), "application/json");
        $("[data-role=envelope-download]", resultBox).onclick = () =>
          G.download("bid-" + lotId + "-" + receipt.sha256.slice(0, 12) + ".ggzyenv", sealed.blob);
      }

      const withdraw = $("[data-role=withdraw]", box);
      if (withdraw) withdraw.addEventListener("click", async () => {
        if (!window.confirm(tr("确定撤回本标段的投标文件？撤回后可在截止前重新递交。",
          "Withdraw your bid for this lot? You may submit again before the deadline."))) return;
        withdraw.disabled = true;
        try {
          await api("DELETE", "/api/tenders/" + tenderId + "/lots/" + lotId + "/bid", root);
          window.location.assign(window.location.pathname + "?done=withdrawn");
        } catch (e) {
          show(msg, "error", explain(e));
          withdraw.disabled = false;
        }
      });

      const saved = $("[data-role=saved-receipt]", box);
      if (saved) saved.addEventListener("click", () => {
        const receipt = JSON.parse(saved.dataset.receipt);
        G.download("receipt-" + receipt.bid_id + ".json", JSON.stringify(receipt, null, 2), "application/json");
      });
    }
  }

  // ================================================================ /tools/verify

  function initVerify(root) {
    const out = $("#verify-results", root);
    const checks = $("#verify-checks", root);
    const run = $("#verify-run", root);

    function item(name, ok, text) {
      const li = document.createElement("li");
      li.dataset.check = name;
      li.dataset.ok = ok === null ? "na" : ok ? "1" : "0";
      li.className = ok === null ? "" : ok ? "done" : "todo";
      const tag = document.createElement("span");
      tag.className = "tag " + (ok === null ? "gray" : ok ? "green" : "red");
      tag.textContent = ok === null ? tr("未核验", "Not checked") : ok ? tr("通过", "Passed") : tr("未通过", "Failed");
      li.append(tag, " ", text);
      checks.appendChild(li);
    }

    function renderSheet(sheet) {
      const rows = [
        ["lot_id", tr("标段", "Lot")], ["price", tr("投标报价（小写，元）", "Price (figures, yuan)")],
        ["price_in_words", tr("投标报价（大写）", "Price (in words)")], ["duration_days", tr("工期（日历天）", "Duration (days)")],
        ["quality", tr("质量", "Quality")], ["project_lead", tr("项目负责人", "Project lead")],
        ["lead_certificate", tr("证书编号", "Certificate number")],
      ];
      const tbody = $("#verify-sheet tbody", root);
      tbody.textContent = "";
      for (const [k, label] of rows) {
        const tr_ = document.createElement("tr");
        tr_.dataset.field = k;
        const th = document.createElement("th"); th.textContent = label;
        const td = document.createElement("td"); td.textContent = sheet[k] === undefined ? "—" : String(sheet[k]);
        tr_.append(th, td);
        tbody.appendChild(tr_);
      }
      const w = G.inWords(String(sheet.price || ""));
      if (w && sheet.price_in_words !== w) {
        $("#verify-words-note", root).textContent = tr("大写与小写不一致，以大写为准（小写对应：" + w + "）",
          "The words differ from the figures; the words prevail (figures read: " + w + ")");
      }
      $("#verify-sheet", root).hidden = false;
    }

    function renderFiles(files) {
      const tbody = $("#verify-files tbody", root);
      tbody.textContent = "";
      for (const f of files) {
        const row = document.createElement("tr");
        row.dataset.file = f.name;
        const name = document.createElement("td"); name.textContent = f.name;
        const size = document.createElement("td"); size.className = "num"; size.textContent = f.size.toLocaleString();
        const dig = document.createElement("td");
        const code = document.createElement("code"); code.className = "small"; code.textContent = f.digest.slice(0, 16) + "…";
        code.title = f.digest;
        dig.append(code, " ", f.ok ? "✓" : "✗");
        const act = document.createElement("td");
        const btn = document.createElement("button");
        btn.type = "button"; btn.className = "btn btn-small btn-plain"; btn.textContent = tr("下载", "Download");
        btn.addEventListener("click", () => G.download(f.name, f.blob));
        act.appendChild(btn);
        row.append(name, size, dig, act);
        tbody.appendChild(row);
      }
      $("#verify-files", root).hidden = false;
    }

    run.addEventListener("click", async () => {
      delete root.dataset.done;
      checks.textContent = "";
      out.hidden = false;
      $("#verify-sheet", root).hidden = true;
      $("#verify-files", root).hidden = true;
      $("#verify-words-note", root).textContent = "";
      const summary = $("#verify-summary", root);
      summary.hidden = true;
      const envFile = $("#env-file", root).files[0];
      const keyFile = $("#key-file", root).files[0];
      const receiptFile = $("#receipt-file", root).files[0];
      const pass = $("#key-pass", root).value;
      const dataKey = $("#data-key", root).value.trim();
      if (!envFile) return show(summary, "error", tr("请选择加密投标文件（信封）", "Choose an envelope file"));
      run.disabled = true;
      let allOk = true;
      try {
        let receipt = null;
        if (receiptFile) {
          try { receipt = JSON.parse(await receiptFile.text()); } catch (e) { receipt = null; }
        }
        let keys = null;
        if (keyFile) {
          try {
            keys = await G.readKeyFile(await keyFile.text(), pass);
            item("keyfile", true, tr("密钥文件已解锁", "Key file unlocked"));
          } catch (e) {
            allOk = false;
            item("keyfile", false, explain(e));
          }
        }
        let res;
        try {
          // Framing first without a key; then, with a key, the full open in a second streaming pass.
          res = await G.openEnvelope(envFile, {});
          item("framing", true, tr("信封结构完整（", "Envelope structure complete (") + res.records + tr(" 个数据块）", " records)"));
        } catch (e) {
          allOk = false;
          item("framing", false, explain(e));
          return;
        }
        const h = res.header;
        $("#verify-header", root).textContent = tr("项目 ", "Tender ") + h.tender_id + " · " + tr("标段 ", "lot ") + h.lot_id
          + " · " + tr("投标人 ", "bidder ") + h.bidder_org_id + " · SHA-256 " + res.sha256;
        $("#verify-sha", root).textContent = res.sha256;
        if (receipt) {
          let signed = false;
          try { signed = await verifyReceiptWithPlatform(receipt, $("#platform-key", root).value); } catch (e) { signed = false; }
          item("receipt_signature", signed, tr("回执平台签名", "Receipt's platform signature"));
          const same = receipt.sha256 === res.sha256 && receipt.size === res.size && receipt.tender_id === h.tender_id
            && receipt.lot_id === h.lot_id && receipt.bidder_org_id === h.bidder_org_id;
          item("receipt_match", same, tr("回执与本信封一致（SHA-256、大小、项目、标段、投标人）",
            "The receipt matches this envelope (SHA-256, size, tender, lot, bidder)"));
          allOk = allOk && signed && same;
        }
        const opts = { keys: keys || undefined };
        if (dataKey) opts.dataKey = dataKey;
        if (keys || dataKey) {
          let opened;
          try {
            opened = await G.openEnvelope(envFile, opts);
            item("decrypt", true, tr("解密成功", "Decrypted"));
          } catch (e) {
            allOk = false;
            item("decrypt", false, explain(e));
            return;
          }
          item("signature", opened.signatureOk, opened.signatureOk === null
            ? tr("投标人签名未核验：需要投标人的密钥文件", "Bidder's signature not checked: needs the bidder's key file")
            : tr("投标人签名（" + opened.signingKeyId + "）", "Bidder's signature (" + opened.signingKeyId + ")")
              + (opened.signatureNote ? " — " + opened.signatureNote : ""));
          item("digests", opened.digestsOk, tr("文件摘要与签名清单一致", "File digests match the signed manifest"));
          allOk = allOk && opened.signatureOk !== false && opened.digestsOk;
          renderSheet(opened.sheet);
          renderFiles(opened.files);
        }
      } catch (e) {
        allOk = false;
        item("error", false, explain(e));
      } finally {
        run.disabled = false;
        root.dataset.done = allOk ? "ok" : "failed";
        show(summary, allOk ? "ok" : "error", allOk ? tr("核验通过", "All checks passed") : tr("核验未通过，详见下列各项", "Some checks failed; see below"));
      }
    });
  }

  function init() {
    const root = document.querySelector("[data-sealing-page]");
    if (!root) return;
    const page = root.dataset.sealingPage;
    G.supported().then((ok) => {
      if (!ok) show($("#sealing-unsupported", root), "error", tr("此浏览器不支持 X25519/Ed25519（WebCrypto），请升级浏览器或使用 ggzy 命令行工具。",
        "This browser lacks WebCrypto X25519/Ed25519; update it or use the ggzy command-line tool."));
    });
    if (page === "keys") initKeys(root);
    else if (page === "seal") initSeal(root);
    else if (page === "verify") initVerify(root);
    root.dataset.ready = "1";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
