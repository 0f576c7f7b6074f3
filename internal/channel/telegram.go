package channel

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/imaging"
	"github.com/baqylau/baqylau/internal/report"
)

// Linking a Telegram chat to an observer: the observer, signed in on the
// web, opens the link page and gets a one-time code (LinkCodeTTL); sending
// "/start CODE" to the bot (or following the deep link
// https://t.me/BOT?start=CODE, which sends the same) links the chat. Only
// the SHA-256 of a code is stored; a code works once, and linking deletes
// the observer's other codes.
const (
	// LinkCodeTTL is how long a link code works.
	LinkCodeTTL = 15 * time.Minute
	// linkAlphabet leaves out letters that read alike (0/O, 1/I/L) and
	// keeps to what a Telegram deep link carries.
	linkAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	linkCodeLen  = 10 // 31^10 ≈ 2^49
)

// NewLinkCode returns a fresh random link code and its hash.
func NewLinkCode() (code string, hash []byte, err error) {
	b := make([]byte, linkCodeLen)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("channel: link code: %w", err)
	}
	for i := range b {
		b[i] = linkAlphabet[int(b[i])%len(linkAlphabet)]
	}
	code = string(b)
	return code, LinkCodeHash(code), nil
}

// LinkCodeHash is what is stored of a code: the SHA-256 of its folded form,
// so that "abc…", "ABC…" and Cyrillic look-alikes name the same code.
func LinkCodeHash(code string) []byte {
	sum := sha256.Sum256([]byte(Fold(strings.TrimSpace(code))))
	return sum[:]
}

// IssueTelegramCode gives an observer a new link code.
func (s *Service) IssueTelegramCode(ctx context.Context, observerID int64) (string, time.Time, error) {
	code, hash, err := NewLinkCode()
	if err != nil {
		return "", time.Time{}, err
	}
	expires := s.now().Add(LinkCodeTTL)
	if err := s.Store.CreateTelegramCode(ctx, observerID, hash, expires); err != nil {
		return "", time.Time{}, err
	}
	return code, expires, nil
}

// Telegram answers a bot's updates: linking, reports in the SMS grammar,
// and photos of incidents.
type Telegram struct {
	Bot     *bot.Bot
	Service *Service
	// LinkURL is the page where an observer gets a link code.
	LinkURL string
	// Client downloads files (default: a client with a one-minute timeout).
	Client *http.Client
	// MaxPhotoBytes bounds a photo (default 10 MiB); MaxPixels bounds its
	// size in pixels (default 40 million).
	MaxPhotoBytes int64
	MaxPixels     int
	Log           *slog.Logger
}

// NewBot makes a Bot API client that does not call the network until it
// is used (no getMe at start); serverURL is "" for Telegram's own.
func NewBot(token, serverURL string) (*bot.Bot, error) {
	opts := []bot.Option{bot.WithSkipGetMe(), bot.WithDefaultHandler(func(context.Context, *bot.Bot, *models.Update) {})}
	if serverURL != "" {
		opts = append(opts, bot.WithServerURL(strings.TrimSuffix(serverURL, "/")))
	}
	b, err := bot.New(token, opts...)
	if err != nil {
		return nil, fmt.Errorf("channel: telegram bot: %w", err)
	}
	return b, nil
}

func (t *Telegram) log() *slog.Logger {
	if t.Log != nil {
		return t.Log
	}
	return slog.Default()
}

// HandleUpdate answers one update. It returns an error only when
// something failed on our side, so that the webhook asks Telegram to send
// the update again (a retry is safe: the client id of a message is
// derived from its chat and message ids).
func (t *Telegram) HandleUpdate(ctx context.Context, u *models.Update) error {
	m := u.Message
	if m == nil || m.Chat.Type != models.ChatTypePrivate {
		return nil // edits, channels and groups are not reports
	}
	chat := m.Chat.ID
	text := m.Text
	if text == "" {
		text = m.Caption
	}
	lang := "ru"
	if m.From != nil {
		if l := strings.ToLower(m.From.LanguageCode); l == "kk" || l == "en" || l == "ru" {
			lang = l
		}
	}
	trimmed := strings.TrimSpace(text)
	if cmd, arg, ok := command(trimmed); ok {
		switch cmd {
		case "start":
			if arg == "" {
				return t.send(ctx, chat, t.hello(ctx, chat, lang))
			}
			id, err := t.Service.Store.RedeemTelegramCode(ctx, LinkCodeHash(arg), chat, t.Service.now())
			if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
				return t.send(ctx, chat, say(lang, "tg_bad_code", t.LinkURL))
			}
			if err != nil {
				return err
			}
			o, err := t.Service.Submit.People.Observer(ctx, id)
			if err != nil {
				return err
			}
			return t.send(ctx, chat, say(Lang(o), "tg_linked", o.Number))
		case "stop", "unlink":
			if err := t.Service.Store.UnlinkTelegram(ctx, chat); err != nil {
				return err
			}
			return t.send(ctx, chat, say(lang, "tg_unlinked"))
		default:
			return t.send(ctx, chat, say(lang, "tg_help"))
		}
	}
	id, err := t.Service.Store.TelegramObserver(ctx, chat)
	if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
		return t.send(ctx, chat, say(lang, "tg_not_linked", t.LinkURL))
	}
	if err != nil {
		return err
	}
	o, err := t.Service.Submit.People.Observer(ctx, id)
	if err != nil {
		return err
	}
	photo := bestPhoto(m)
	if trimmed == "" {
		if photo != "" {
			return t.send(ctx, chat, say(Lang(o), "photo_no_caption"))
		}
		return t.send(ctx, chat, say(Lang(o), "tg_help"))
	}
	res, err := t.Service.Receive(ctx, o, Message{Channel: report.Telegram,
		ID: strconv.FormatInt(chat, 10) + ":" + strconv.Itoa(m.ID), Text: text, At: time.Unix(int64(m.Date), 0)})
	if err != nil {
		return err
	}
	reply := res.Reply
	switch {
	case photo == "" || !res.Recorded:
	case res.Form != report.Incident:
		reply += " " + say(res.Lang, "photo_ignored")
	default:
		note, err := t.attach(ctx, res.Ack.ID, photo, res.Lang)
		if err != nil {
			return err
		}
		reply += " " + note
	}
	return t.send(ctx, chat, reply)
}

// hello answers a bare /start: linked or how to link.
func (t *Telegram) hello(ctx context.Context, chat int64, lang string) string {
	if _, err := t.Service.Store.TelegramObserver(ctx, chat); err == nil {
		return say(lang, "tg_help")
	}
	return say(lang, "tg_not_linked", t.LinkURL)
}

// command splits "/start CODE" (or "/start@BotName CODE").
func command(s string) (cmd, arg string, ok bool) {
	if !strings.HasPrefix(s, "/") {
		return "", "", false
	}
	head, arg, _ := strings.Cut(s[1:], " ")
	head, _, _ = strings.Cut(head, "@")
	return strings.ToLower(head), strings.TrimSpace(arg), true
}

// bestPhoto is the file id of the largest size of a photo, or of an image
// sent as a file.
func bestPhoto(m *models.Message) string {
	if n := len(m.Photo); n > 0 {
		best := m.Photo[0]
		for _, p := range m.Photo[1:] {
			if p.Width*p.Height > best.Width*best.Height {
				best = p
			}
		}
		return best.FileID
	}
	if d := m.Document; d != nil && strings.HasPrefix(d.MimeType, "image/") {
		return d.FileID
	}
	return ""
}

func (t *Telegram) send(ctx context.Context, chat int64, text string) error {
	if _, err := t.Bot.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: text}); err != nil {
		// The report is stored whatever becomes of the reply; a failed
		// reply is logged, not retried (a retry would reply twice).
		t.log().Warn("telegram: sendMessage", "err", err)
	}
	return nil
}

// errPhotoTooLarge says a photo is over the size limit.
var errPhotoTooLarge = errors.New("photo too large")

// attach downloads a photo, strips it of metadata and stores it as
// evidence of an incident, once: a retried update finds it stored. The
// note says what happened; err is for failures on our side.
func (t *Telegram) attach(ctx context.Context, incidentID int64, fileID, lang string) (note string, err error) {
	limit := t.MaxPhotoBytes
	if limit <= 0 {
		limit = 10 << 20
	}
	pixels := t.MaxPixels
	if pixels <= 0 {
		pixels = 40_000_000
	}
	data, err := t.download(ctx, fileID, limit)
	if errors.Is(err, errPhotoTooLarge) {
		return say(lang, "photo_too_large", limit>>20), nil
	}
	if err != nil {
		t.log().Warn("telegram: download photo", "err", err)
		return say(lang, "photo_failed", "download"), nil
	}
	clean, contentType, err := imaging.Sanitize(data, pixels)
	if err != nil {
		return say(lang, "photo_failed", baqylau.ErrorMessage(err)), nil
	}
	sum := sha256.Sum256(data)
	original := hex.EncodeToString(sum[:])
	have, err := t.Service.Submit.Reports.EvidenceList(ctx, incidentID)
	if err != nil {
		return "", err
	}
	for _, e := range have {
		if e.OriginalHash == original {
			return say(lang, "photo_saved"), nil
		}
	}
	ev := report.Evidence{IncidentID: incidentID, ContentType: contentType, OriginalHash: original}
	if err := t.Service.Submit.Reports.AddEvidence(ctx, &ev, clean); err != nil {
		return "", err
	}
	return say(lang, "photo_saved"), nil
}

// download fetches a file through getFile and the file link, refusing
// more than limit bytes (before and while reading).
func (t *Telegram) download(ctx context.Context, fileID string, limit int64) ([]byte, error) {
	f, err := t.Bot.GetFile(ctx, &bot.GetFileParams{FileID: fileID})
	if err != nil {
		return nil, fmt.Errorf("getFile: %w", err)
	}
	if f.FileSize > limit {
		return nil, errPhotoTooLarge
	}
	if f.FilePath == "" {
		return nil, errors.New("getFile: no file_path")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.Bot.FileDownloadLink(f), nil)
	if err != nil {
		return nil, errors.New("file link: bad request") // the URL holds the token: not quoted
	}
	client := t.Client
	if client == nil {
		client = &http.Client{Timeout: time.Minute}
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			err = ue.Unwrap() // drop the URL, which holds the token
		}
		return nil, fmt.Errorf("download: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download: status %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("download: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, errPhotoTooLarge
	}
	return data, nil
}
