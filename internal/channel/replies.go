package channel

import (
	"fmt"
	"strings"
)

// replies are the texts sent back, by key and language: short, since an
// SMS holds 70 Cyrillic characters a part. Arguments are fmt verbs.
var replies = map[string]map[string]string{
	"unknown_sender": {
		"ru": "Номер не зарегистрирован в Baqylau. Обратитесь к координатору.",
		"kk": "Бұл нөмір Baqylau жүйесінде тіркелмеген. Үйлестірушіге хабарласыңыз.",
		"en": "This number is not registered with Baqylau. Please contact your coordinator.",
	},
	"not_accredited": {
		"ru": "Ваша аккредитация не действует: отчёт не принят.",
		"kk": "Аккредитацияңыз жарамсыз: есеп қабылданбады.",
		"en": "Your accreditation is not valid: nothing recorded.",
	},
	"no_assignment": {
		"ru": "Вы не назначены ни на один участок: отчёт не принят.",
		"kk": "Сіз ешбір учаскеге бекітілмегенсіз: есеп қабылданбады.",
		"en": "You are not assigned to any station: nothing recorded.",
	},
	"not_assigned": {
		"ru": "Вы не назначены на участок %v. Ваши участки: %v.",
		"kk": "Сіз %v учаскесіне бекітілмегенсіз. Сіздің учаскелер: %v.",
		"en": "You are not assigned to station %v. Your stations: %v.",
	},
	"which_station": {
		"ru": "У вас несколько участков (%v): начните с #КОД.",
		"kk": "Сізде бірнеше учаске бар (%v): #КОД деп бастаңыз.",
		"en": "You have several stations (%v): start with #CODE.",
	},
	"which_contest": {
		"ru": "Укажите выборы протокола: %v.",
		"kk": "Хаттаманың сайлауын көрсетіңіз: %v.",
		"en": "Name the contest of the protocol: %v.",
	},
	"no_option": {
		"ru": "Нет варианта %v: в бюллетене их %v.",
		"kk": "%v нұсқасы жоқ: бюллетеньде %v нұсқа.",
		"en": "No option %v: the ballot has %v.",
	},
	"report_ok": {
		"ru": "Принято: %v, уч. %v, квитанция %v.",
		"kk": "Қабылданды: %v, уч. %v, түбіртек %v.",
		"en": "Recorded: %v, station %v, receipt %v.",
	},
	"incident_ok": {
		"ru": "Нарушение №%v принято: %v (%v), уч. %v, квитанция %v.",
		"kk": "№%v бұзушылық қабылданды: %v (%v), уч. %v, түбіртек %v.",
		"en": "Incident %v recorded: %v (%v), station %v, receipt %v.",
	},
	"missing":                    {"ru": "Не хватает: %v.", "kk": "Жетіспейді: %v.", "en": "Missing: %v."},
	"check":                      {"ru": "Проверьте: %v.", "kk": "Тексеріңіз: %v.", "en": "Check: %v."},
	"refused":                    {"ru": "Не принято: %v", "kk": "Қабылданбады: %v", "en": "Not recorded: %v"},
	"sev_low":                    {"ru": "низкая", "kk": "төмен", "en": "low"},
	"sev_medium":                 {"ru": "средняя", "kk": "орташа", "en": "medium"},
	"sev_high":                   {"ru": "высокая", "kk": "жоғары", "en": "high"},
	"sev_critical":               {"ru": "критическая", "kk": "аса маңызды", "en": "critical"},
	"form_opening":               {"ru": "открытие", "kk": "ашылу", "en": "opening"},
	"form_turnout":               {"ru": "явка", "kk": "келу", "en": "turnout"},
	"form_closing":               {"ru": "закрытие", "kk": "жабылу", "en": "closing"},
	"form_count":                 {"ru": "протокол", "kk": "хаттама", "en": "count"},
	"flag_outside_hours":         {"ru": "вне часов голосования", "kk": "дауыс беру уақытынан тыс", "en": "outside voting hours"},
	"flag_above_registered":      {"ru": "больше числа избирателей", "kk": "сайлаушылар санынан көп", "en": "above registered voters"},
	"flag_turnout_decreasing":    {"ru": "меньше прежней явки", "kk": "бұрынғы көрсеткіштен аз", "en": "below an earlier figure"},
	"flag_arithmetic":            {"ru": "цифры протокола не сходятся", "kk": "хаттама сандары сәйкес емес", "en": "protocol figures do not add up"},
	"flag_conflicting_observers": {"ru": "расходится с другими наблюдателями", "kk": "басқа бақылаушылармен сәйкес емес", "en": "differs from other observers"},

	ProblemEmpty: {
		"ru": "Пустое сообщение. Пример: T 12 345 (явка на 12:00), !4 H @текст (нарушение).",
		"kk": "Бос хабарлама. Мысалы: T 12 345 (12:00 келу), !4 H @мәтін (бұзушылық).",
		"en": "Empty message. Example: T 12 345 (turnout at 12:00), !4 H @text (incident).",
	},
	ProblemTooLong: {
		"ru": "Слишком длинное сообщение (%v, можно %v).",
		"kk": "Хабарлама тым ұзын (%v, рұқсат %v).",
		"en": "Message too long (%v, at most %v).",
	},
	ProblemNotText: {
		"ru": "Сообщение не читается как текст.",
		"kk": "Хабарлама мәтін ретінде оқылмайды.",
		"en": "The message is not readable text.",
	},
	ProblemUnknownForm: {
		"ru": "Не понял «%v». Начните с O, T, C, P или !, например: T 12 345.",
		"kk": "«%v» түсініксіз. O, T, C, P немесе ! деп бастаңыз, мысалы: T 12 345.",
		"en": "Did not understand \"%v\". Start with O, T, C, P or !, e.g. T 12 345.",
	},
	ProblemUnknownWord: {
		"ru": "Не понял «%v». Ничего не записано.",
		"kk": "«%v» түсініксіз. Ештеңе жазылмады.",
		"en": "Did not understand \"%v\". Nothing recorded.",
	},
	ProblemBadValue: {
		"ru": "Неверное значение «%v» для %v. Ничего не записано.",
		"kk": "%[2]v үшін «%[1]v» мәні қате. Ештеңе жазылмады.",
		"en": "Wrong value \"%v\" for %v. Nothing recorded.",
	},
	ProblemTwice: {
		"ru": "%[2]v указан дважды («%[1]v»). Ничего не записано.",
		"kk": "%[2]v екі рет көрсетілген («%[1]v»). Ештеңе жазылмады.",
		"en": "%[2]v given twice (\"%[1]v\"). Nothing recorded.",
	},
	ProblemExtra: {
		"ru": "Лишнее значение «%v». Ничего не записано.",
		"kk": "Артық мән «%v». Ештеңе жазылмады.",
		"en": "Extra value \"%v\". Nothing recorded.",
	},
	ProblemNoStation: {
		"ru": "Код участка после # не понят: «%v».",
		"kk": "# кейінгі учаске коды түсініксіз: «%v».",
		"en": "Station code after # not understood: \"%v\".",
	},
	ProblemNoCategory: {
		"ru": "После ! укажите код нарушения, например !4 H @текст.",
		"kk": "! кейін бұзушылық кодын жазыңыз, мысалы !4 H @мәтін.",
		"en": "After ! give the incident code, e.g. !4 H @text.",
	},
	ProblemUnknownCategory: {
		"ru": "Нет такого кода нарушения: «%v». Коды 0–13.",
		"kk": "Мұндай бұзушылық коды жоқ: «%v». Кодтар 0–13.",
		"en": "No such incident code: \"%v\". Codes are 0–13.",
	},
	ProblemAmbiguousCategory: {
		"ru": "«%v» неоднозначно: коды %v.",
		"kk": "«%v» екіұшты: кодтар %v.",
		"en": "\"%v\" is ambiguous: codes %v.",
	},

	"tg_linked": {
		"ru": "Чат связан с наблюдателем %v. Отправляйте отчёты, например: T 12 345.",
		"kk": "Чат %v бақылаушысымен байланысты. Есептерді жіберіңіз, мысалы: T 12 345.",
		"en": "This chat is linked to observer %v. Send reports, e.g. T 12 345.",
	},
	"tg_not_linked": {
		"ru": "Чат не связан. Получите код на %v и отправьте /start КОД.",
		"kk": "Чат байланыспаған. Кодты %v алып, /start КОД жіберіңіз.",
		"en": "This chat is not linked. Get a code at %v and send /start CODE.",
	},
	"tg_bad_code": {
		"ru": "Код неверен или устарел. Получите новый на %v.",
		"kk": "Код қате немесе ескірген. Жаңасын %v алыңыз.",
		"en": "The code is wrong or expired. Get a new one at %v.",
	},
	"tg_unlinked": {
		"ru": "Чат отвязан от наблюдателя.",
		"kk": "Чат бақылаушыдан ажыратылды.",
		"en": "This chat is no longer linked.",
	},
	"tg_help": {
		"ru": "Явка: T 12 345. Открытие: O Y 07:05 Y Y… Закрытие: C … Протокол: P R1200 I980 … G1=400. Нарушение: !4 H @текст (фото с подписью !4).",
		"kk": "Келу: T 12 345. Ашылу: O Y 07:05 Y Y… Жабылу: C … Хаттама: P R1200 I980 … G1=400. Бұзушылық: !4 H @мәтін (!4 жазуы бар фото).",
		"en": "Turnout: T 12 345. Opening: O Y 07:05 Y Y… Closing: C … Count: P R1200 I980 … G1=400. Incident: !4 H @text (a photo captioned !4).",
	},
	"photo_saved": {"ru": "Фото сохранено.", "kk": "Фото сақталды.", "en": "Photo saved."},
	"photo_failed": {
		"ru": "Фото не сохранено: %v",
		"kk": "Фото сақталмады: %v",
		"en": "Photo not saved: %v",
	},
	"photo_too_large": {
		"ru": "Фото не сохранено: больше %v МБ.",
		"kk": "Фото сақталмады: %v МБ-тан үлкен.",
		"en": "Photo not saved: larger than %v MB.",
	},
	"photo_no_caption": {
		"ru": "Добавьте к фото подпись с кодом нарушения, например !4 @текст.",
		"kk": "Фотоға бұзушылық кодын жазыңыз, мысалы !4 @мәтін.",
		"en": "Caption the photo with an incident code, e.g. !4 @text.",
	},
	"photo_ignored": {
		"ru": "Фото прикрепляются только к нарушениям (!код).",
		"kk": "Фото тек бұзушылықтарға тіркеледі (!код).",
		"en": "Photos go with incidents only (!code).",
	},
}

// say writes the reply key in lang (Russian if the language is missing).
func say(lang, key string, args ...any) string {
	t := replies[key]
	s, ok := t[lang]
	if !ok {
		s = t["ru"]
	}
	if s == "" {
		return key
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// Say writes one of the package's replies (such as "unknown_sender") in
// a language, for the webhooks that answer before an observer is known.
func Say(lang, key string, args ...any) string { return say(lang, key, args...) }

// problemReply says what was wrong with a message.
func problemReply(lang string, p *Problem) string {
	arg := p.Arg
	if len([]rune(arg)) > 20 {
		arg = string([]rune(arg)[:20]) + "…"
	}
	switch p.Code {
	case ProblemEmpty, ProblemNotText, ProblemNoCategory:
		return say(lang, p.Code)
	case ProblemTooLong, ProblemBadValue, ProblemTwice, ProblemAmbiguousCategory:
		return say(lang, p.Code, arg, p.Hint)
	}
	return strings.TrimSpace(say(lang, p.Code, arg))
}
