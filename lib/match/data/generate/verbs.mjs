// Generates lib/match/data/verbs.txt, the similar-question matcher's table of verb forms, from the
// Turkish morphological analyser nlptoolkit-morphologicalanalysis (ISC; Starlang's lexicon of 62k
// roots and its suffix grammar). Run with `npm ci && npm run generate` in this folder; the table is
// committed, so neither the build nor the gateway runs Node.
//
// How: for each verb root of the finance vocabulary below, candidate forms are spelled by Turkish
// vowel harmony (negation, passive, ability, tense, person, and the clause-making suffixes), and the
// analyser reads each candidate. A form enters the table only when the analyser accepts it as that
// root and every reading of it maps to the same token, ignoring readings of roots outside the
// vocabulary that are no finance words (the lexicon's "alın" to take offence beside "al" passive) and
// derivations the table does not model (the participle "artar" adjective beside the finite "artar").
// A form that is also a reading of another vocabulary word ("etkiler": the verb, or the plural of
// "etki") stays out: the matcher then leaves it as written, a miss at worst.
//
// A token is the root and its tags, '~'-separated (see lib/match/question_canon.hpp):
//   tense: pres (aorist, present continuous, -mekte(dir): one present), past (-di, -miş), fut,
//          nec (-meli); gen: the impersonal question "how is it done / how do I do it / should one"
//          (a passive or first-person aorist or -meli: "açılır", "açarım", "alınmalı");
//   neg, able (-ebil), p2 (second person: "alır mısın"), and the clause marks cond (-se, -irse,
//   -diyse), when (-ince, -diğinde), while (-ken), which end a clause (gen before them: a passive
//   or first-person clause, "yapılmazsa" = "yapmazsam").
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const morph = require("nlptoolkit-morphologicalanalysis");
const here = dirname(fileURLToPath(import.meta.url));
const pkg = dirname(require.resolve("nlptoolkit-morphologicalanalysis/package.json"));

// Verbs people use in finance questions, in Turkish spelling. Reviewed by hand; a verb missing here
// is only a lost match, never a wrong one.
const verbs = [
  "art", "azal", "düş", "yüksel", "gerile", "değerlen", "kazan", "kaybet", "al", "sat", "aç", "kapat",
  "öde", "yatır", "çek", "boz", "biriktir", "hesapla", "etkile", "değiş", "artır", "azalt", "düşür",
  "yükselt", "belirle", "açıkla", "uygula", "çık", "in", "sür", "başla", "dön", "geç", "kullan", "ver",
  "ol", "yap", "et", "seç", "bul", "öğren", "bak", "iste", "çevir", "gönder", "harca", "sakla",
  "koru", "tut", "bekle", "dalgalan", "toparlan", "sıçra", "çök", "gerilet", "değerlendir", "işle",
  "kapan", "açıl", "çalış", "oku", "katıl", "yaz", "öner", "kes", "gör", "getir", "yapılandır", "sorgula",
  "hazırla", "değiştir", "ayrıl", "vergilendir", "kazandır", "dağıt", "çıkar", "düzenle", "karşılaştır",
  "yönet", "planla", "başvur", "bitir", "uzat", "bağla", "sigortala", "tahmin et", "takip et", "iptal et", "transfer et", "ödün ver",
].filter((v) => !v.includes(" "));

const fold = (s) =>
  s.toLocaleLowerCase("tr").replace(/ç/g, "c").replace(/ğ/g, "g").replace(/ı/g, "i").replace(/ö/g, "o")
    .replace(/ş/g, "s").replace(/ü/g, "u").replace(/â/g, "a").replace(/î/g, "i").replace(/û/g, "u");

// The vocabulary's nouns (folded): a form that is also one of them is not a verb form for the table.
const roots = new Set();
for (const line of readFileSync(join(here, "..", "roots.txt"), "utf8").split("\n")) {
  const t = line.trim();
  if (!t || t.startsWith("#")) continue;
  for (const f of t.split(/\s+/)[0].split("|")) roots.add(f);
}
const vocabulary = new Set([...verbs.map(fold), ...roots]);

// Vowel harmony: A -> a/e, I -> ı/i/u/ü by the last vowel; D -> d/t after a voiceless consonant;
// y and n are buffers written only after a vowel ("(y)AcAk").
const back = new Set([..."aıou"]), vowels = new Set([..."aeıioöuü"]), voiceless = new Set([..."çfhkpsşt"]);
function lastVowel(s) {
  for (let i = s.length - 1; i >= 0; --i) if (vowels.has(s[i])) return s[i];
  return "e";
}
function attach(stem, suffix) {
  let out = stem;
  for (let i = 0; i < suffix.length; ++i) {
    const c = suffix[i];
    const prev = out[out.length - 1];
    if (c === "(") {  // (y) or (n): a buffer after a vowel only
      const buf = suffix[i + 1];
      i += 2;
      if (vowels.has(prev)) out += buf;
      continue;
    }
    const v = lastVowel(out);
    if (c === "A") out += back.has(v) ? "a" : "e";
    else if (c === "I") out += { a: "ı", ı: "ı", o: "u", u: "u", e: "i", i: "i", ö: "ü", ü: "ü" }[v];
    else if (c === "D") out += voiceless.has(prev) ? "t" : "d";
    else out += c;
  }
  return out;
}
// A suffix that starts with a vowel after a vowel-final stem: the stem's vowel goes ("etkile" +
// "Iyor" -> "etkiliyor").
function attachDropping(stem, suffix) {
  if (vowels.has(stem[stem.length - 1]) && "AI".includes(suffix[0])) return attach(stem.slice(0, -1), suffix);
  return attach(stem, suffix);
}

// Stems: the root, its passive (-Il, -In, -n) and ability (-(y)Abil) forms; the analyser rejects
// the wrong spellings.
function stems(root) {
  const out = [{ stem: root, tags: [] }];
  const passives = vowels.has(root[root.length - 1]) ? [root + "n"] : [attach(root, "Il"), attach(root, "In")];
  for (const p of passives) out.push({ stem: p, tags: ["pass"] });
  for (const s of [...out]) out.push({ stem: attach(s.stem, "(y)Abil"), tags: [...s.tags, "able"] });
  // Roots that soften before a vowel (et -> ed-, git -> gid-).
  if (root.endsWith("t")) out.push({ stem: root.slice(0, -1) + "d", tags: [], soft: true });
  return out;
}

const persons = ["", "Im", "sIn", "Iz", "sInIz", "lAr"];
// The aorist: -r after a vowel; -Ar after a one-syllable root but for thirteen that take -Ir; -Ir
// after longer stems. (The analyser accepts either, so the spelling is chosen here.)
const irRoots = new Set(["al", "bil", "bul", "dur", "gel", "gör", "kal", "ol", "öl", "san", "var", "ver", "vur"]);
function aorist(stem) {
  if (vowels.has(stem[stem.length - 1])) return "r";
  const syllables = [...stem].filter((c) => vowels.has(c)).length;
  return syllables === 1 && !irRoots.has(stem) ? "Ar" : "Ir";
}
function forms(stem) {
  const out = [];
  const add = (s) => out.push(s);
  for (const p of persons) {
    for (const aor of [aorist(stem)]) {
      const a = attach(stem, aor);
      add(attach(a, p));
      if (p === "") ["sA", "ken"].forEach((x) => add(attach(a, x)));
    }
    add(attach(attachDropping(stem, "Iyor"), p === "Im" ? "um" : p === "Iz" ? "uz" : p));
    add(attach(attach(stem, "mAktA"), p === "Im" ? "(y)Im" : p === "Iz" ? "(y)Iz" : p));
    if (p === "") add(attach(stem, "mAktAdIr"));
    add(attach(attach(stem, "DI"), p === "Im" ? "m" : p === "Iz" ? "k" : p === "sIn" ? "n" : p === "sInIz" ? "nIz" : p));
    add(attach(attach(stem, "mIş"), p === "Im" ? "Im" : p));
    add(attach(attach(stem, "(y)AcAk"), p === "Im" ? "Im" : p === "Iz" ? "Iz" : p));
    add(attach(attach(stem, "mAlI"), p === "Im" ? "(y)Im" : p === "Iz" ? "(y)Iz" : p));
    // Negative: -mA, with -z in the aorist and the A dropped before -Iyor.
    const neg = attach(stem, "mA");
    add(attach(neg, p === "" ? "z" : p === "Im" ? "m" : p === "Iz" ? "yIz" : p === "lAr" ? "zlAr" : "z" + p));
    add(attach(attach(stem, "mIyor"), p === "Im" ? "um" : p === "Iz" ? "uz" : p));
    add(attach(attach(neg, "DI"), p === "Im" ? "m" : p === "Iz" ? "k" : p === "sIn" ? "n" : p === "sInIz" ? "nIz" : p));
    add(attach(attach(neg, "mIş"), p));
    add(attach(attach(neg, "yAcAk"), p));
    add(attach(attach(neg, "mAlI"), p === "Im" ? "(y)Im" : p === "Iz" ? "(y)Iz" : p));
  }
  const neg = attach(stem, "mA");
  // A conditional with its person ("yapmazsam", "alırsan"): a clause mark, whoever it is about.
  for (const p of ["m", "n", "k", "nIz", "lAr"]) {
    add(attach(attach(stem, aorist(stem) + "sA"), p));
    add(attach(attach(neg, "zsA"), p));
    add(attach(attach(stem, "sA"), p));
  }
  for (const s of [stem, neg]) {
    add(attach(s, "sA"));
    add(attach(s, "(y)IncA"));
    add(attach(s, "DIğIndA"));
    add(attach(attach(s, "DI"), "(y)sA"));
    add(attach(attach(s, "(y)AcAk"), "sA"));
  }
  add(attach(neg, "zsA"));
  add(attach(neg, "zken"));
  add(attach(attachDropping(stem, "Iyor"), "sA"));
  add(attach(attachDropping(stem, "Iyor"), "ken"));
  add(attach(attach(stem, "mAktA"), "(y)ken"));
  return out;
}

// One reading of the analyser -> the token it means for the table, null for a reading the table
// does not model (it is ignored), or {other: root} for a reading of another root.
function token(root, parse) {
  const s = parse.toString();
  const head = s.split("+")[0];
  if (head !== root) return { other: head, derived: s.includes("^DB") };
  const t = s.split(/[+^]/);
  const has = (x) => t.includes(x);
  // Derivations the table does not model: a causative (a root of its own in the lexicon), -me/-mak
  // nouns, -meli read as "with -me", comparisons, wishes, imperatives, reciprocal and reflexive.
  for (const x of ["CAUS", "INF2", "INF", "WITH", "EQU", "DESR", "IMP", "OPT", "RECIP", "REFLEX", "ACQUIRE", "RELATED",
                   "NESS", "AGT", "BECOME", "FUTPART"])
    if (has(x) && !(x === "INF" && has("PROG2"))) {
      if (x === "FUTPART" || x === "INF") return null;
      return null;
    }
  // A participle used as a noun ("açarım" read as "my opener"): not a finite verb.
  if (s.includes("^DB+NOUN+ZERO")) return null;
  const tags = [];
  if (has("NEG")) tags.push("neg");
  if (has("ABLE")) tags.push("able");
  const pass = has("PASS");
  const person = t.find((x) => /^A[123](SG|PL)$/.test(x)) ?? "A3SG";
  let tense;
  if (has("AOR") || has("PROG1") || has("PROG2")) tense = "pres";
  else if (has("PAST") || has("NARR")) tense = "past";
  else if (has("FUT")) tense = "fut";
  else if (has("NECES")) tense = "nec";
  let clause = null;
  if (has("COND")) clause = "cond";
  else if (has("WHEN") || (has("PASTPART") && has("LOC"))) clause = "when";
  else if (has("WHILE")) clause = "while";
  if (has("PASTPART") && !clause) return null;  // "arttığı": a participle the table does not model
  if (!tense && !clause) return null;
  if (clause) {
    // A clause keeps its tense only when it is past ("arttıysa"); the conditional's aorist is its form.
    if (tense === "past" || tense === "fut") tags.push(tense);
    // The impersonal clause ("ödeme yapılmazsa", "ödemeyi yapmazsam"): as in the question.
    if (pass || person === "A1SG" || person === "A1PL") tags.push("gen");
    tags.push(clause);
  } else if ((pass || person === "A1SG" || person === "A1PL") && (tense === "pres" || tense === "nec")) {
    tags.push("gen");  // "nasıl açılır" / "nasıl açarım" / "alınmalı mı"
  } else {
    if (pass) tags.push("pass");
    if (person.startsWith("A2")) tags.push("p2");
    if (person.startsWith("A1")) tags.push("p1");
    tags.push(tense);
  }
  return { token: [fold(root), ...tags].join("~") };
}

// The matcher sees folded text, so "acır" (it hurts) and "açar" (it opens) would both be "acir" or
// "acar": a form enters the table only when no other Turkish spelling of its folded letters is a word
// of another root (the analyser reads each respelling; at most 256 of them). Readings that are
// derivations or carry a first or second person possessive do not count: nobody asks with them.
const respell = { c: ["c", "ç"], g: ["g", "ğ"], i: ["i", "ı"], o: ["o", "ö"], s: ["s", "ş"], u: ["u", "ü"] };
function otherSpellingElsewhere(root, form, folded) {
  let spellings = [""];
  for (const ch of folded) {
    const options = respell[ch] ?? [ch];
    spellings = spellings.flatMap((p) => options.map((o) => p + o));
    if (spellings.length > 256) return true;  // too many to check: left out
  }
  for (const s of spellings) {
    if (s === form) continue;
    const parses = fsm.morphologicalAnalysis(s);
    for (let i = 0; i < parses.size(); ++i) {
      const reading = parses.getFsmParse(i).toString();
      // A plain word of another root collides; a derived or possessed reading ("acar" bold + "-ım",
      // "duş" + copula "-tu") is no word anyone asks with.
      if (reading.split("+")[0] !== root && !reading.includes("^DB") && !/\+P[12](SG|PL)/.test(reading)) return true;
    }
  }
  return false;
}

process.chdir(pkg);  // the analyser reads its lexicon from the working directory
const fsm = new morph.FsmMorphologicalAnalyzer();
const table = new Map();  // folded form -> token, or null when two forms or readings disagree
for (const root of verbs) {
  const seen = new Set();
  for (const { stem } of stems(root)) {
    for (const form of forms(stem)) {
      if (seen.has(form)) continue;
      seen.add(form);
      const parses = fsm.morphologicalAnalysis(form);
      const found = new Set();
      let own = 0, clash = false;
      for (let i = 0; i < parses.size(); ++i) {
        const r = token(root, parses.getFsmParse(i));
        if (r === null) continue;
        if (r.other !== undefined) {
          // Another vocabulary word's plain reading ("etkiler": the plural of "etki") is a clash;
          // a derivation of it ("hesaplanır" read as "hesap" + -lan-) is no word anyone means.
          if (vocabulary.has(fold(r.other)) && !r.derived) clash = true;
          continue;
        }
        ++own;
        found.add(r.token);
      }
      if (own === 0) continue;  // not a form of this root after all
      const folded = fold(form);
      if (!clash) clash = otherSpellingElsewhere(root, form, folded);
      if (clash || found.size !== 1 || roots.has(folded)) {
        table.set(folded, null);
        continue;
      }
      const tok = [...found][0];
      if (table.has(folded) && table.get(folded) !== tok) table.set(folded, null);
      else if (!table.has(folded)) table.set(folded, tok);
    }
  }
}

const lines = [...table].filter(([, t]) => t !== null).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
process.stdout.write(
  "# Generated by lib/match/data/generate/verbs.mjs from nlptoolkit-morphologicalanalysis; do not edit.\n" +
    "# A line: a verb form (folded: ç->c ğ->g ı->i ö->o ş->s ü->u), then its token (root~tags).\n");
for (const [form, tok] of lines) process.stdout.write(`${form} ${tok}\n`);
