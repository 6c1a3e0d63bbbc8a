import './base.css';
import './drawing.css';
import './deck-look.css';
import './overview.css';
