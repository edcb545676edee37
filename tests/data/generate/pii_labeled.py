#!/usr/bin/env python3
"""Writes tests/data/pii_labeled.tsv: Turkish texts with the personal data lib/pii must find and
the look-alikes it must leave alone. Every identifier is made up here with correct check digits
(no real person's data); the look-alikes are checked against the same rules so that none of them
is valid by chance. Deterministic (fixed seed): run it again and the file does not change.

    python3 tests/data/generate/pii_labeled.py > tests/data/pii_labeled.tsv
"""
import random

rng = random.Random(37)

# ---- the checks, as in lib/pii/pii_detect.cpp ----

def tckn_valid(d):
    if len(d) != 11 or not d.isdigit() or d[0] == "0":
        return False
    v = [int(c) for c in d]
    d10 = ((v[0] + v[2] + v[4] + v[6] + v[8]) * 7 - (v[1] + v[3] + v[5] + v[7])) % 10
    return v[9] == d10 and v[10] == sum(v[:10]) % 10

def iban_valid(c):
    c = c.replace(" ", "").upper()
    if len(c) != 26 or not c.startswith("TR") or not c[2:].isdigit():
        return False
    return int(c[4:] + "2927" + c[2:4]) % 97 == 1

def luhn(d):
    s = 0
    for i, ch in enumerate(reversed(d)):
        v = int(ch)
        if i % 2:
            v *= 2
            if v > 9:
                v -= 9
        s += v
    return s % 10 == 0

# ---- makers ----

def make_tckn():
    while True:
        v = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
        d10 = ((v[0] + v[2] + v[4] + v[6] + v[8]) * 7 - (v[1] + v[3] + v[5] + v[7])) % 10
        v.append(d10)
        v.append(sum(v) % 10)
        d = "".join(map(str, v))
        if tckn_valid(d):
            return d

def make_iban():
    bank = rng.choice(["00010", "00012", "00015", "00046", "00062", "00064", "00067", "00111", "00134", "00205"])
    bban = bank + "0" + "".join(str(rng.randint(0, 9)) for _ in range(16))
    check = 98 - int(bban + "292700") % 97
    iban = "TR%02d%s" % (check, bban)
    assert iban_valid(iban)
    return iban

def luhn_complete(prefix, length):
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    for last in "0123456789":
        if luhn(body + last):
            return body + last

CARD_SCHEMES = [("4", 16), ("4", 13), ("51", 16), ("55", 16), ("2221", 16), ("2720", 16), ("34", 15),
                ("37", 15), ("9792", 16), ("6011", 16), ("65", 16), ("3528", 16), ("36", 14), ("62", 16),
                ("4", 19)]

def make_card(scheme=None):
    prefix, length = scheme or rng.choice(CARD_SCHEMES)
    return luhn_complete(prefix, length)

def make_phone():
    op = rng.choice(["501", "505", "506", "507", "530", "531", "532", "533", "535", "536", "537", "538",
                     "539", "541", "542", "543", "544", "545", "546", "549", "551", "552", "553", "555",
                     "561"])
    return op + "".join(str(rng.randint(0, 9)) for _ in range(7))

NAMES = ["ayse.yilmaz", "mehmet.kaya", "zeynep_demir", "can.ozturk", "elif.sahin92", "burak-celik",
         "deniz.arslan", "ali.veli", "selin.koc+banka", "emre.aydin", "merve.yildiz", "kerem.ozdemir"]
DOMAINS = ["example.com", "example.com.tr", "ornek.net", "posta.example.org", "firma.com.tr", "mail.example.io"]

def make_email():
    return rng.choice(NAMES) + "@" + rng.choice(DOMAINS)

# ---- spellings ----

def group(s, sizes, sep):
    out, i = [], 0
    for n in sizes:
        out.append(s[i:i + n])
        i += n
    if i < len(s):
        out.append(s[i:])
    return sep.join(out)

def iban_spellings(iban):
    g = group(iban, [4] * 6, " ")
    return [iban, g, g.lower(), "tr" + iban[2:], "TR " + iban[2:4] + " " + group(iban[4:], [4] * 5, " "),
            group(iban, [4] * 6, "-")]

def card_spellings(card):
    n = len(card)
    out = [card]
    if n == 16:
        out += [group(card, [4, 4, 4, 4], " "), group(card, [4, 4, 4, 4], "-")]
    elif n == 15:
        out += [group(card, [4, 6, 5], " "), group(card, [4, 6, 5], "-")]
    elif n == 14:
        out += [group(card, [4, 6, 4], " ")]
    elif n == 13:
        out += [group(card, [4, 4, 4, 1], " ")]
    elif n == 19:
        out += [group(card, [4, 4, 4, 4, 3], " ")]
    return out

def phone_spellings(p):
    a, b, c, d = p[:3], p[3:6], p[6:8], p[8:]
    return ["+90 %s %s %s %s" % (a, b, c, d), "+90%s" % p, "0%s %s %s %s" % (a, b, c, d), "0%s" % p,
            "0 %s %s %s %s" % (a, b, c, d), "(0%s) %s %s %s" % (a, b, c, d), "+90 (%s) %s-%s-%s" % (a, b, c, d),
            "0090 %s %s %s %s" % (a, b, c, d), "%s %s %s %s" % (a, b, c, d), p, "0%s-%s-%s-%s" % (a, b, c, d),
            "0%s %s%s%s" % (a, b, c, d), "+90-%s-%s-%s%s" % (a, b, c, d), "0%s.%s.%s.%s" % (a, b, c, d),
            "90%s" % p]

# ---- sentences ----

T_TCKN = ["{} TC kimlik numaramla e-Devlet'ten hisselerime nasıl bakarım?",
          "TC kimlik no: {} olan hesabım neden bloke oldu?",
          "Kimlik numaram {}, yatırım hesabı açmak için başka ne lazım?",
          "T.C. {} adına kayıtlı portföyü görebilir miyim?",
          "Vergi için TCKN {} yazdım, doğru mu?",
          "TC{} ile MKK'da sorgulama yapabilir miyim?",
          "Annemin kimlik numarası {}'dir, onun adına fon alabilir miyim?",
          "({}) numaralı kimlikle BIST 100 hesabı açılır mı?"]
T_IBAN = ["{} IBAN'ıma EFT ne zaman geçer?",
          "Temettü ödemesi {} hesabına yatar mı?",
          "IBAN: {} - bu hesaba 1.250.000 TL havale limiti var mı?",
          "Aracı kurum {} numaralı IBAN'a para çekmeme izin vermiyor.",
          "Şu IBAN'a ({}) gönderdiğim para iade olur mu?",
          "IBAN numaram {}. Hafta sonu FAST ile gider mi?"]
T_CARD = ["Kartım {} ile yurt dışı ETF alabilir miyim?",
          "{} numaralı kredi kartımın ekstresinde komisyon var, neden?",
          "Kart no: {} son ödeme tarihi 15.11.2024 mü?",
          "Şu kartla ({}) 1000 lot ASELS alınır mı?",
          "Kredi kartı numaram {}, taksitli altın alımı mümkün mü?"]
T_PHONE = ["Beni {} numarasından arayabilir misiniz?",
           "Cep telefonum {} - SMS onayı gelmiyor.",
           "Telefon: {} üzerinden WhatsApp destek var mı?",
           "Numaram {}, hesabıma bu numarayı tanımlayın.",
           "{} numaralı hattıma bildirim gelmesi için ne yapmalıyım?",
           "tel{} ile kayıtlı müşteri benim."]
T_EMAIL = ["Ekstreyi {} adresime gönderir misiniz?",
           "E-posta adresim {}; bildirimler oraya gelsin.",
           "{} hesabıma gelen şifre sıfırlama maili sahte mi?",
           "Raporu <{}> adresine yollayın lütfen.",
           "İletişim: {}."]

NEGATIVES = [
    "BIST 100 endeksi bugün yüzde 2,5 yükseldi, 1000 lot THYAO almalı mıyım?",
    "29.10.2024 tarihinde piyasalar kapalı mı?",
    "Yüzde 45 faizle 1.250.000 TL mevduat ne getirir?",
    "ASELS, THYAO ve GARAN hisselerinden hangisi daha az riskli?",
    "Sipariş numaram 20240512345, emir neden gerçekleşmedi?",
    "Emir no: 8812345 iptal edildi mi?",
    "Dolar/TL 34,25 seviyesinde; 10.000 USD kaç TL eder?",
    "Hesabımda 125.000,50 TL var, 3 ay vadeli fona koysam?",
    "VİOP'ta F_XU0301224 kontratı ne zaman sona eriyor?",
    "2024 yılında enflasyon yüzde 44,38 oldu mu?",
    "Borsa İstanbul 09:55'te açılıyor, 18:10'da kapanıyor mu?",
    "Müşteri hizmetleri 444 0 333 numarası çalışıyor mu?",
    "Merkez Bankası faizi 5000 baz puan mı artırdı?",
    "XU100 10.000 puanı aşar mı?",
    "Referans kodum ABC-12345678 neden geçersiz?",
    "Dekont numarası 2024-000123456 olan işlem iade olur mu?",
    "Eurobond kupon oranı %6,875 mi?",
    "1 gram altın 2.950 TL, 100 gram kaç eder?",
    "Portföyümde 250 adet EREGL, 1.500 adet SISE var.",
    "Halka arz 12-13 Aralık'ta, 25,50 TL'den mi?",
    "Sabit hat 0212 123 45 67 numarasından aradılar.",
    "Ankara ofisi 0312 555 12 34, orası mı?",
    "Vergi numarası 1234567890 olan şirkete fatura kesebilir miyim?",
    "Müşteri no 98765432 ile giriş yapamıyorum.",
    "ISIN TRAASELS91H2 hangi hisse?",
    "Hesap numarası 12345678-5001 olan vadeli hesabım.",
    "SWIFT kodu TGBATRIS doğru mu?",
    "e-Devlet şifremi unuttum, @turkiyegov hesabına yazsam olur mu?",
    "Fiyat@100 yazan bir ilan gördüm, dolandırıcılık mı?",
    "Kupon: 4,25 + 0,75 = 5,00 TL mi?",
    "Bugün 15:30'da ABD enflasyonu açıklanıyor.",
    "2025 hedef fiyatı 350 TL olarak açıklandı.",
    "KAP bildiriminde 1.000.000.000 TL sermaye artırımı var.",
    "TR kodlu fonlar ile yabancı fonların vergisi farklı mı?",
    "TRY/USD paritesi 0,0292 olmuş.",
    "Kredi kartı borcum 12.500 TL, asgari ödeme ne kadar?",
    "Telefonumun son dört hanesi 4567 olan hat.",
    "Yatırım hesabım 5 yıllık, 532 gün önce açtım.",
    "Endeks 9.876,54 puandan kapandı.",
    "Sermayesi 5.300.000.000 TL olan bankalar hangileri?",
]

def invalid_tckn():
    while True:
        d = make_tckn()
        bad = d[:10] + str((int(d[10]) + rng.randint(1, 9)) % 10)
        if not tckn_valid(bad):
            return bad

def invalid_iban():
    while True:
        i = make_iban()
        bad = i[:-1] + str((int(i[-1]) + rng.randint(1, 9)) % 10)
        if not iban_valid(bad):
            return bad

def invalid_card():
    while True:
        c = make_card(("4", 16))
        bad = c[:-1] + str((int(c[-1]) + rng.randint(1, 9)) % 10)
        if not luhn(bad):
            return bad

T_INVALID = ["Şu numara {} geçerli bir kimlik numarası mı?",
             "{} numaralı IBAN'a para gitmedi.",
             "Kart numarası {} diye yazmışım, yanlış mı?",
             "Referans {} ile işlem sorgula."]

def main():
    rows = []  # (group, text, expected [(kind, value)])
    for i in range(50):
        v = make_tckn()
        rows.append(("tckn", T_TCKN[i % len(T_TCKN)].format(v), [("tckn", v)]))
    for i in range(50):
        iban = make_iban()
        sp = iban_spellings(iban)[i % 6]
        rows.append(("iban", T_IBAN[i % len(T_IBAN)].format(sp), [("iban", sp)]))
    for i in range(50):
        c = make_card(CARD_SCHEMES[i % len(CARD_SCHEMES)])
        sps = card_spellings(c)
        sp = sps[i % len(sps)]
        rows.append(("card", T_CARD[i % len(T_CARD)].format(sp), [("card", sp)]))
    for i in range(60):
        p = make_phone()
        sps = phone_spellings(p)
        sp = sps[i % len(sps)]
        t = T_PHONE[i % len(T_PHONE)]
        if t.startswith("tel{}") and sp.startswith(("+", "(")):
            t = T_PHONE[0]
        rows.append(("phone", t.format(sp), [("phone", sp)]))
    for i in range(30):
        e = make_email()
        if i % 5 == 0:
            e = e.upper() if i % 10 == 0 else e
        rows.append(("email", T_EMAIL[i % len(T_EMAIL)].format(e), [("email", e)]))
    for t in NEGATIVES:
        rows.append(("lookalike", t, []))
    for i in range(40):
        kind = i % 4
        if kind == 0:
            v = invalid_tckn()
        elif kind == 1:
            v = group(invalid_iban(), [4] * 6, " ")
        elif kind == 2:
            v = group(invalid_card(), [4, 4, 4, 4], " ")
        else:
            while True:  # an order or reference number that is no value by chance
                v = str(rng.randint(1, 4)) + "".join(str(rng.randint(0, 9)) for _ in range(rng.choice([8, 11, 14])))
                if not luhn(v):
                    break
        rows.append(("invalid", T_INVALID[kind].format(v), []))
    # Numbers embedded in longer runs: a valid value with digits glued on is no value.
    for i in range(10):
        v = make_tckn()
        rows.append(("embedded", "Dosya kodu 9%s7 arşivde duruyor." % v, []))
    for i in range(30):
        t, iban, card, p, e = make_tckn(), make_iban(), make_card(), make_phone(), make_email()
        ig = group(iban, [4] * 6, " ")
        ps = "0%s %s %s %s" % (p[:3], p[3:6], p[6:8], p[8:])
        choice = i % 3
        if choice == 0:
            text = "TC {} ve IBAN {} ile BIST 100 fonuna 1000 lot emir verdim, onay {} numarasına gelsin.".format(t, ig, ps)
            exp = [("tckn", t), ("iban", ig), ("phone", ps)]
        elif choice == 1:
            text = "29.10.2024'te {} kartıyla 1.250.000 TL'lik işlem yaptım; dekontu {} adresine atın.".format(card, e)
            exp = [("card", card), ("email", e)]
        else:
            text = "Eski IBAN {}, yeni IBAN {}; ikisi de {} kimlik no adına, yüzde 45 faiz.".format(ig, ig.replace(" ", ""), t)
            exp = [("iban", ig), ("iban", ig.replace(" ", "")), ("tckn", t)]
        rows.append(("mixed", text, exp))
    print("# Labeled Turkish texts for lib/pii (tests/unit/pii_labeled_test.cpp): zero misses, zero false")
    print("# positives. Written by tests/data/generate/pii_labeled.py (identifiers made up, check digits")
    print("# correct; no real person's data). Columns: group, text, expected values in order as kind=value,")
    print("# separated by ' | ' (empty: nothing may be found).")
    for g, text, exp in rows:
        assert "\t" not in text
        print("%s\t%s\t%s" % (g, text, " | ".join("%s=%s" % kv for kv in exp)))

main()
