// The quiz of dlfund.interview.webquiz: draws rounds of questions, grades answers, keeps the score.
// Grading follows dlfund.interview.quiz.grade: a choice is right when it is the keyed option, a
// number when it lies within the question's tolerance; an unreadable answer is not graded.
(function () {
  function parseNumber(text) {
    let s = String(text).trim().replace(/\u2212/g, "-").replace(/[ \u202f]/g, "");
    if (!s) throw new Error("Please type a number.");
    s = s.replace(/^(-?[\d.]+)(?:\u00d7|x|\*)10\^?\(?([-+]?\d+)\)?$/, "$1e$2");
    if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, "");
    const frac = s.match(/^(-?[\d.]+)\/([\d.]+)$/);
    const plain = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
    const value = frac ? Number(frac[1]) / Number(frac[2]) : plain.test(s) ? Number(s) : NaN;
    if (!Number.isFinite(value)) throw new Error(`Could not read "${text}" as a number (examples: 0.25, 1/4, 2.5e-3).`);
    return value;
  }

  function rng(seed) {  // mulberry32: a small seeded generator, so the first round is the same for everyone
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function setup(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    const config = JSON.parse(form.dataset.config || "{}");
    const box = form.querySelector(".dlfund-quiz-questions");
    const all = Array.from(box.querySelectorAll(".dlfund-quiz-question"));
    const score = form.querySelector(".dlfund-quiz-score");
    const topic = form.querySelector(".dlfund-quiz-topic");
    const level = form.querySelector(".dlfund-quiz-level");
    let seed = config.seed || 0, shown = [], grades = new Map();

    function updateScore() {
      const right = Array.from(grades.values()).filter(Boolean).length;
      score.textContent = shown.length
        ? `Score: ${right} correct of ${grades.size} answered (${shown.length} questions in this quiz).`
        : "No question matches these settings.";
    }

    function reset(q) {
      q.querySelectorAll("input").forEach((i) => { i.checked = false; if (i.type === "text") i.value = ""; });
      q.querySelector(".dlfund-quiz-feedback").textContent = "";
      q.querySelector(".dlfund-quiz-feedback").className = "dlfund-quiz-feedback";
      q.querySelector(".dlfund-quiz-explanation").hidden = true;
    }

    function newRound() {
      const random = rng(seed++);
      const pool = all.filter((q) => (!topic.value || q.dataset.topic === topic.value)
        && (!level.value || q.querySelector(".dlfund-quiz-meta").textContent.includes(`, ${level.value})`)));
      for (let i = pool.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [pool[i], pool[j]] = [pool[j], pool[i]];
      }
      shown = pool.slice(0, config.perRound || 10);
      grades = new Map();
      all.forEach((q) => { q.hidden = true; reset(q); });
      shown.forEach((q, k) => {
        box.appendChild(q);
        q.hidden = false;
        q.querySelector(".dlfund-quiz-number").textContent = `Question ${k + 1}`;
      });
      updateScore();
    }

    function check(q) {
      const feedback = q.querySelector(".dlfund-quiz-feedback");
      let ok, got;
      try {
        if (q.dataset.kind === "choice") {
          const picked = q.querySelector("input[type=radio]:checked");
          if (!picked) throw new Error("Please pick one of the options.");
          ok = Number(picked.value) === Number(q.dataset.correct);
          got = "ABCDEF"[Number(picked.value)];
        } else {
          const x = parseNumber(q.querySelector("input[type=text]").value);
          const value = Number(q.dataset.value), tol = Number(q.dataset.tolerance);
          ok = Math.abs(x - value) <= tol + 1e-12 * Math.max(1, Math.abs(value));
          got = String(x);
        }
      } catch (err) {
        feedback.textContent = err.message;
        feedback.className = "dlfund-quiz-feedback dlfund-quiz-unread";
        return;
      }
      const expected = q.dataset.expected;
      let text = ok ? `\u2714 Correct: ${expected}.` : `\u2718 Not quite: you answered ${got}, the answer is ${expected}.`;
      if (grades.has(q.dataset.id)) text += " (Only your first answer counts towards the score.)";
      else grades.set(q.dataset.id, ok);
      feedback.textContent = text;
      feedback.className = "dlfund-quiz-feedback " + (ok ? "dlfund-quiz-right" : "dlfund-quiz-wrong");
      q.querySelector(".dlfund-quiz-explanation").hidden = false;
      updateScore();
    }

    form.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      if (button.classList.contains("dlfund-quiz-new")) newRound();
      if (button.classList.contains("dlfund-quiz-check")) check(button.closest(".dlfund-quiz-question"));
    });
    form.addEventListener("submit", (event) => event.preventDefault());
    topic.addEventListener("change", newRound);
    level.addEventListener("change", newRound);
    newRound();
  }

  document.querySelectorAll("form.dlfund-quiz").forEach(setup);
})();
